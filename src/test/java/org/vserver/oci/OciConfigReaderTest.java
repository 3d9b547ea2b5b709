package org.vserver.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OciConfigReaderTest {
    /** A bundle's config as podman and containerd write one (shortened), with a field from the future. */
    static final String CONFIG = """
            {
              "ociVersion": "1.0.2-dev",
              "process": {
                "terminal": false,
                "user": {"uid": 1000, "gid": 1000, "additionalGids": [10]},
                "args": ["/bin/sh", "-c", "echo hi"],
                "env": ["PATH=/usr/bin:/bin", "TERM=xterm"],
                "cwd": "/",
                "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_KILL"]},
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
                "noNewPrivileges": true,
                "oomScoreAdj": 100
              },
              "root": {"path": "rootfs", "readonly": true},
              "hostname": "web",
              "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                         {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]}],
              "hooks": {"prestart": [{"path": "/usr/bin/true", "args": ["true"], "timeout": 5}]},
              "annotations": {"org.vserver.sched.fill-rate": "1"},
              "linux": {
                "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/x"}, {"type": "mount"}],
                "uidMappings": [{"containerID": 0, "hostID": 1000000, "size": 65536}],
                "resources": {"memory": {"limit": 67108864}, "pids": {"limit": 100}, "cpu": {"quota": 50000, "period": 100000}},
                "cgroupsPath": "/vservers/web",
                "maskedPaths": ["/proc/kcore"],
                "readonlyPaths": ["/proc/sys"],
                "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]},
                "intelRdt": {"closID": "future"}
              },
              "vm": {"hypervisor": {"path": "/usr/bin/qemu"}}
            }
            """;

    static OciConfig read(String json) throws OciConfigException {
        return new OciConfigReader().read("config.json", json.getBytes(StandardCharsets.UTF_8));
    }

    static String refusal(String json) {
        return assertThrows(OciConfigException.class, () -> read(json)).getMessage();
    }

    @Test void aBundleConfigIsReadAndUnknownFieldsAreIgnored() throws Exception {
        OciConfig c = read(CONFIG);
        assertEquals(List.of("/bin/sh", "-c", "echo hi"), c.process().args());
        assertEquals(1000L, c.process().user().uid());
        assertEquals(List.of("CAP_CHOWN", "CAP_KILL"), c.process().capabilities().bounding());
        assertEquals("/run/netns/x", c.linux().namespaces().get(1).path(), "a namespace to join");
        assertEquals(67108864L, c.linux().resources().memory().limit());
        assertEquals("rootfs", c.root().path());
        assertEquals("1", c.annotations().get("org.vserver.sched.fill-rate"));
        assertEquals(5, c.hooks().prestart().getFirst().timeout());
    }

    @Test void aFieldOfTheWrongTypeIsNamedByItsJsonPath() {
        assertEquals("config.json: $.process.args[2]: expected a string, found a number",
                refusal(CONFIG.replace("\"echo hi\"", "42")));
        assertEquals("config.json: $.process.user.uid: expected a number, found a string",
                refusal(CONFIG.replace("\"uid\": 1000", "\"uid\": \"root\"")));
        assertEquals("config.json: $.linux.namespaces: expected an array, found an object",
                refusal(CONFIG.replace("\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/run/netns/x\"}, {\"type\": \"mount\"}]",
                        "\"namespaces\": {\"type\": \"pid\"}")));
        assertEquals("config.json: $.process.noNewPrivileges: expected true or false, found a string",
                refusal(CONFIG.replace("\"noNewPrivileges\": true", "\"noNewPrivileges\": \"yes\"")));
    }

    @Test void notJsonIsRefusedWithItsLine() {
        String m = refusal("{\n  \"ociVersion\": \"1.0.2\",\n  oops\n}");
        assertTrue(m.startsWith("config.json: $: not JSON (line 3, column "), m);
    }

    @Test void anUnsupportedSpecVersionIsRefused() {
        assertTrue(refusal(CONFIG.replace("1.0.2-dev", "2.0.0")).contains("$.ociVersion: unsupported version \"2.0.0\""));
        assertTrue(refusal(CONFIG.replace("1.0.2-dev", "1.0.1")).contains("$.ociVersion: unsupported version"));
        assertTrue(refusal(CONFIG.replace("\"ociVersion\": \"1.0.2-dev\",", "")).contains("$.ociVersion: required"));
    }

    @Test void anUnknownOrRepeatedNamespaceTypeIsRefused() {
        assertEquals("config.json: $.linux.namespaces[2].type: unknown namespace type \"mnt\" (expected one of pid, network, mount,"
                + " ipc, uts, user, cgroup, time)", refusal(CONFIG.replace("{\"type\": \"mount\"}", "{\"type\": \"mnt\"}")));
        assertTrue(refusal(CONFIG.replace("{\"type\": \"mount\"}", "{\"type\": \"pid\"}"))
                .contains("$.linux.namespaces[2].type: namespace type \"pid\" given twice"));
    }

    @Test void requiredFieldsAreNamed() {
        assertTrue(refusal(CONFIG.replace("\"cwd\": \"/\",", "\"cwd\": \"tmp\",")).contains("$.process.cwd: expected an absolute path"));
        assertTrue(refusal(CONFIG.replace("\"root\": {\"path\": \"rootfs\", \"readonly\": true},", "")).contains("$.root.path: required"));
        assertTrue(refusal(CONFIG.replace("\"TERM=xterm\"", "\"TERM\"")).contains("$.process.env[1]: expected NAME=VALUE"));
        assertTrue(refusal(CONFIG.replace("{\"destination\": \"/proc\"", "{\"destination\": \"proc\"")).contains("$.mounts[0].destination"));
        assertTrue(refusal(CONFIG.replace("\"size\": 65536", "\"size\": 0")).contains("$.linux.uidMappings[0]: expected containerID, hostID and a size above 0"));
        assertTrue(refusal("[1]").contains("$: expected an object, found an array"));
    }
}
