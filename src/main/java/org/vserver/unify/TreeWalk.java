package org.vserver.unify;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.vserver.unify.FileIdentity.Inode;

/**
 * The first pass: finds the candidates of a tree, directory by directory. Never follows a
 * symlink (a guest's {@code /usr -> /} must not unify the host), never leaves the tree's
 * filesystem (another st_dev is a mount: skipped), never enters the store, and prunes
 * directories the rules exclude whole. Deletes the {@code .vhashify~*} temporaries a killed run
 * left behind, unless dry.
 */
final class TreeWalk {

    /** A file (or, while walking, a directory) by its path in the tree and as the guest sees it. */
    record Candidate(Path path, String abs, Inode inode) {}

    /** A directory with candidates, and its times as seen before anything read or changed it. */
    record Dir(Path path, Inode before, List<Candidate> files) {}

    /** The smallest file worth a link (util-vserver's limit): a link costs a directory entry anyway. */
    static final long MIN_SIZE = 16;

    private final ExcludeRules rules;
    private final Set<String> conffiles;
    private final Inode store;
    private final boolean removeTemps;
    private final List<Dir> dirs = new ArrayList<>();
    private long rootDev;

    TreeWalk(ExcludeRules rules, Set<String> conffiles, Inode store, boolean removeTemps) {
        this.rules = rules;
        this.conffiles = conffiles;
        this.store = store;
        this.removeTemps = removeTemps;
    }

    List<Dir> walk(Path root, Inode rootInode) throws IOException {
        rootDev = rootInode.dev();
        visit(root, "/", rootInode);
        return dirs;
    }

    private void visit(Path dir, String abs, Inode dirInode) throws IOException {
        List<Candidate> files = new ArrayList<>();
        List<Candidate> subdirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path e : ds) {
                String name = e.getFileName().toString();
                String childAbs = abs.equals("/") ? "/" + name : abs + "/" + name;
                Inode in;
                try {
                    in = Inode.of(e);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (in.isDirectory()) {
                    if (in.dev() == rootDev && !(in.ino() == store.ino() && in.dev() == store.dev()) && !rules.prunes(childAbs))
                        subdirs.add(new Candidate(e, childAbs, in));
                } else if (in.isRegular()) {
                    if (name.startsWith(HashStore.TEMP_PREFIX)) {
                        if (removeTemps) Files.deleteIfExists(e);
                    } else if (isCandidate(name, childAbs, in)) {
                        files.add(new Candidate(e, childAbs, in));
                    }
                }
            }
        }
        if (!files.isEmpty()) dirs.add(new Dir(dir, dirInode, files));
        for (Candidate s : subdirs) visit(s.path(), s.abs(), s.inode());
    }

    /**
     * {@code dirs} without the files that are links to the store already ({@code storeInodes}: its
     * entries' inodes). Only a file with more than one link can be one: the others cost no lookup.
     */
    static List<Dir> withoutUnified(List<Dir> dirs, Set<Long> storeInodes) {
        if (storeInodes.isEmpty()) return dirs;
        List<Dir> left = new ArrayList<>(dirs.size());
        for (Dir d : dirs) {
            List<Candidate> files = new ArrayList<>(d.files().size());
            for (Candidate c : d.files())
                if (!(c.inode().nlink() > 1 && storeInodes.contains(c.inode().ino()))) files.add(c);
            if (files.size() == d.files().size()) left.add(d);
            else if (!files.isEmpty()) left.add(new Dir(d.path(), d.before(), files));
        }
        return left;
    }

    private boolean isCandidate(String name, String abs, Inode in) {
        return !name.startsWith(".")                         // util-vserver leaves dot files alone
                && in.identity().size() >= MIN_SIZE
                && in.dev() == rootDev
                && rules.classify(abs) == ExcludeRules.Verdict.CANDIDATE
                && !conffiles.contains(abs);
    }
}
