package org.vserver.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The static C attack probe (src/test/c/escape-probe.c): compiled once per test class with
 * {@code gcc -static} (static, so it runs in any guest tree), copied into a guest's root and run
 * there by {@code vserver NAME exec}.
 */
final class EscapeProbe {
    static final Path SOURCE = TestHost.BASEDIR.resolve("src/test/c/escape-probe.c");
    static final Path BINARY = TestHost.BASEDIR.resolve("target/escape-probe");
    /** Where the probe sits inside a guest. */
    static final String IN_GUEST = "/escape-probe";

    /** One RESULT line: name, blocked|contained|escaped|skipped, and the errno or what was seen. */
    record Outcome(String name, String outcome, String detail, int exit, String raw) {
        boolean escaped() { return outcome.equals("escaped"); }

        boolean safe() { return (outcome.equals("blocked") || outcome.equals("contained")) && exit == 0; }

        static Outcome parse(TestHost.Result r) {
            for (String l : r.out().lines().toList()) {
                String[] f = l.split(" ", 4);
                if (f.length == 4 && f[0].equals("RESULT")) return new Outcome(f[1], f[2], f[3], r.code(), r.toString());
            }
            throw new AssertionError("the probe printed no RESULT line:\n" + r);
        }

        @Override
        public String toString() { return name + " " + outcome + " " + detail + " (exit " + exit + ")"; }
    }

    private EscapeProbe() {}

    /** Builds target/escape-probe; installs glibc's static libc (libc6-dev) first when it is missing, as scripts/lib.sh would. */
    static synchronized Path build() throws Exception {
        if (Files.exists(BINARY) && Files.getLastModifiedTime(BINARY).compareTo(Files.getLastModifiedTime(SOURCE)) > 0) return BINARY;
        TestHost.Result r = compile();
        if (r.code() != 0 && !hasStaticLibc()) {
            HostProbe.run("sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libc6-dev");
            r = compile();
        }
        if (r.code() != 0)
            fail("gcc -static could not build " + SOURCE + " (needs gcc and glibc's static libc.a: apt-get install gcc libc6-dev):\n" + r);
        return BINARY;
    }

    private static TestHost.Result compile() throws Exception {
        Files.createDirectories(BINARY.getParent());
        Path tmp = BINARY.resolveSibling("escape-probe.tmp");
        TestHost.Result r = HostProbe.run("gcc", "-static", "-O2", "-Wall", "-o", tmp.toString(), SOURCE.toString());
        if (r.code() == 0) Files.move(tmp, BINARY, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return r;
    }

    private static boolean hasStaticLibc() {
        return List.of("/usr/lib/x86_64-linux-gnu/libc.a", "/usr/lib64/libc.a", "/usr/lib/libc.a").stream().anyMatch(p -> Files.exists(Path.of(p)));
    }

    /** Copies the probe into a built (host-method) guest's tree. */
    static void install(TestHost host, String guest) throws Exception {
        Path dst = host.guestsDir.resolve(guest).resolve(IN_GUEST.substring(1));
        Files.copy(build(), dst, StandardCopyOption.REPLACE_EXISTING);
        assertTrue(dst.toFile().setExecutable(true, false), "chmod +x " + dst);
    }

    /** Runs one attack as guest root. */
    static Outcome run(TestHost host, String guest, String... attack) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("vserver", guest, "exec", IN_GUEST));
        cmd.addAll(List.of(attack));
        return Outcome.parse(host.cli(cmd.toArray(String[]::new)));
    }

    /** Runs the probe on the host itself (the other end of IPC and socket tests, and positive controls). */
    static Outcome onHost(String... attack) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(build().toString()));
        cmd.addAll(List.of(attack));
        return Outcome.parse(HostProbe.run(cmd.toArray(String[]::new)));
    }
}
