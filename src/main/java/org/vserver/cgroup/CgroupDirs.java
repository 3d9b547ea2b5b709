package org.vserver.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The two directory calls where a cgroup filesystem differs from a plain directory tree: the kernel
 * fills a new cgroup with its interface files, and removes it with them inside. Tests on a
 * {@code @TempDir} pass a fixture that imitates both; everything else reads and writes files alike.
 * Both methods throw the java.nio exception unchanged; callers name the call and the path.
 */
interface CgroupDirs {

    /** mkdir(2); the kernel creates the interface files of every controller of the hierarchy. */
    void mkdir(Path dir) throws IOException;

    /** rmdir(2); fails with EBUSY while the cgroup has tasks or children. */
    void rmdir(Path dir) throws IOException;

    /** Plain java.nio directory calls, which the cgroup filesystem answers as above; holds nothing. */
    CgroupDirs FILES = new CgroupDirs() {
        @Override
        public void mkdir(Path dir) throws IOException {
            Files.createDirectory(dir);
        }

        @Override
        public void rmdir(Path dir) throws IOException {
            Files.delete(dir);
        }
    };
}
