package org.vserver.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.sys.LinuxSyscalls;
import org.vserver.sys.ProcFs;

class DetectTest {
    @TempDir Path tmp;

    @Test void aFixtureWithCgroupControllersIsV2() throws IOException {
        Path root = Fixtures.v2(tmp.resolve("cg"), "cpu pids");
        assertInstanceOf(Cgroup2Manager.class, CgroupManager.detect(root, "vservers", tmp.resolve("none"), new RecordingDevicePolicy()));
    }

    @Test void aCgroup2MountPointIsV2() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("my cgroup"));
        Path mountinfo = FixtureDirs.put(tmp.resolve("mountinfo"),
                "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                + "41 31 0:38 / " + root.toRealPath().toString().replace(" ", "\\040") + " rw,relatime shared:9 - cgroup2 cgroup2 rw\n");
        assertInstanceOf(Cgroup2Manager.class, CgroupManager.detect(root, "vservers", mountinfo, new RecordingDevicePolicy()));
    }

    @Test void controllerHierarchiesAreV1() throws IOException {
        Path root = Fixtures.v1All(tmp.resolve("cg"));
        Path mountinfo = FixtureDirs.put(tmp.resolve("mountinfo"),
                "31 23 0:28 / " + root.toRealPath() + " rw,relatime - tmpfs tmpfs rw,mode=755\n"
                + "41 31 0:38 / " + root.toRealPath().resolve("unified") + " rw,relatime - cgroup2 cgroup2 rw\n");
        CgroupManager m = CgroupManager.detect(root, "vservers", mountinfo, new RecordingDevicePolicy());
        assertInstanceOf(Cgroup1Manager.class, m);
        assertEquals(8, ((Cgroup1Manager) m).hierarchies().size());
    }

    @Test void nothingMountedIsAnErrorNamingTheRoot() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("empty"));
        var e = assertThrows(IOException.class, () -> CgroupManager.detect(root, "vservers", tmp.resolve("none"), new RecordingDevicePolicy()));
        assertTrue(e.getMessage().startsWith("detect(`" + root + "`) failed"), e.getMessage());
    }

    @Test void thisHost() throws IOException {
        Path sys = Path.of("/sys/fs/cgroup");
        if (!Files.isDirectory(sys)) return;
        CgroupManager m = CgroupManager.detect(sys, "vservers", ProcFs.host(), new LinuxSyscalls());
        boolean v2 = Mountinfo.isMountPoint(Mountinfo.self(ProcFs.host()), sys, "cgroup2");
        assertEquals(v2 ? "cgroup v2" : "cgroup v1", m.version());
    }

    @Test void mountinfoUnescapesOctal() {
        assertEquals("/a b\\c", ProcFs.unescapeMountinfo("/a\\040b\\134c"));
        assertEquals("/plain\\9", ProcFs.unescapeMountinfo("/plain\\9"));
    }
}
