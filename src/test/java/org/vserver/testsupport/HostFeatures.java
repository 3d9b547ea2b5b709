package org.vserver.testsupport;

import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The one place that decides whether a test can run on this host: {@link RequiresRoot} and
 * {@link RequiresKernel} on a class are checked before anything of the class runs (its
 * {@code @BeforeAll} makes no TestHost), on a method before the method. The kernel is probed once
 * per JVM (src/test/c/kernel-features.c, built with gcc into target/, asks the running kernel
 * itself) and a missing feature skips the test with {@link #PREFIX} and the probe's finding. A
 * probe that cannot run is an error, never a skip.
 *
 * <p>An execution condition, not an abort in {@code beforeAll}: the reports (surefire, failsafe)
 * list a disabled class with its reason on each of its tests, while a class aborted in
 * {@code beforeAll} shows up as "Tests run: 0" and its skip would go unseen by scripts/test.
 */
public final class HostFeatures implements ExecutionCondition {
    /** Every skip for a missing kernel feature starts with this; scripts/test accepts no other skip as root. */
    public static final String PREFIX = "kernel feature: ";

    static final Path BASEDIR = Path.of(System.getProperty("vserver.basedir", ".")).toAbsolutePath();
    static final Path CGROUP = Path.of("/sys/fs/cgroup");

    /** What the probe found: present or not, and what it saw. */
    public record Finding(boolean present, String seen) {}

    private static Map<Feature, Finding> findings;

    /** A class is judged by its own annotations, a method by its own (its class's were judged before). */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext ctx) {
        AnnotatedElement e = ctx.getTestMethod().<AnnotatedElement>map(m -> m).orElse(ctx.getRequiredTestClass());
        String reason = skipReason(AnnotationSupport.findAnnotation(e, RequiresRoot.class).orElse(null),
                AnnotationSupport.findAnnotation(e, RequiresKernel.class).orElse(null));
        return reason == null ? ConditionEvaluationResult.enabled("runs on this host") : ConditionEvaluationResult.disabled(reason);
    }

    /** Why a test with these annotations cannot run here, or null if it can. */
    static String skipReason(RequiresRoot root, RequiresKernel kernel) {
        if (root == null && kernel == null) return null;
        if (!isRoot())
            return "needs root" + (root == null || root.value().isEmpty() ? "" : ": " + root.value()) + " (run the suite as root; CI does)";
        if (kernel == null) return null;
        for (Feature f : kernel.value()) {
            Finding found = find(f);
            if (!found.present()) return PREFIX + f.description + " missing: " + found.seen();
        }
        return null;
    }

    /** The effective uid is 0 (the Uid line of /proc/self/status: real, effective, saved, fs). */
    public static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            throw new IllegalStateException("read /proc/self/status: " + e, e);
        }
    }

    /** The finding for {@code f}, probed on first use and kept for this JVM. */
    public static synchronized Finding find(Feature f) {
        if (findings == null) findings = probe();
        return findings.get(f);
    }

    private static Map<Feature, Finding> probe() {
        Map<Feature, Finding> m = new EnumMap<>(Feature.class);
        Map<String, Finding> kernel = runKernelProbe();
        m.put(Feature.IA32_EMULATION, kernel.get("ia32"));
        m.put(Feature.LANDLOCK_SCOPES, kernel.get("landlock"));
        m.put(Feature.NETLINK_AUDIT, kernel.get("audit"));
        m.put(Feature.TCX, kernel.get("tcx"));
        m.put(Feature.SK_LOOKUP, kernel.get("sklookup"));
        m.put(Feature.CGROUP_V1, v1("cpu", "cpuset", "memory", "pids"));
        m.put(Feature.CGROUP_V1_DEVICES, v1("devices"));
        m.put(Feature.CGROUP2, cgroup2());
        boolean keys = Files.exists(Path.of("/proc/keys"));
        m.put(Feature.PROC_KEYS, new Finding(keys, keys ? "/proc/keys exists" : "no /proc/keys"));
        m.put(Feature.TWO_CPUS, cpus());
        m.put(Feature.BTRFS, filesystem("btrfs"));
        m.put(Feature.EXT4_ONLINE_RESIZE, capability(24, "CAP_SYS_RESOURCE"));
        for (Feature f : Feature.values())
            if (m.get(f) == null) throw new IllegalStateException("no finding for " + f + " (the kernel probe printed none)");
        return m;
    }

    /** {@code fs} in /proc/filesystems. */
    private static Finding filesystem(String fs) {
        try {
            boolean has = Files.readAllLines(Path.of("/proc/filesystems")).stream().anyMatch(l -> {
                String[] f = l.strip().split("\\s+");
                return f[f.length - 1].equals(fs);
            });
            return new Finding(has, has ? fs + " in /proc/filesystems" : "no " + fs + " in /proc/filesystems");
        } catch (IOException e) {
            return new Finding(false, "read /proc/filesystems: " + e.getMessage());
        }
    }

    /** Capability {@code bit} in this process's effective set (CapEff of /proc/self/status). */
    private static Finding capability(int bit, String name) {
        try {
            String eff = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapEff:"))
                    .findFirst().orElse("CapEff: 0").split("\\s+")[1];
            boolean has = (Long.parseUnsignedLong(eff, 16) >>> bit & 1) != 0;
            return new Finding(has, (has ? "root holds " : "root's CapEff " + eff + " lacks ") + name);
        } catch (IOException e) {
            return new Finding(false, "read /proc/self/status: " + e.getMessage());
        }
    }

    /** Builds and runs src/test/c/kernel-features.c: one "NAME yes|no SEEN" line per feature. */
    private static Map<String, Finding> runKernelProbe() {
        Path src = BASEDIR.resolve("src/test/c/kernel-features.c");
        Path bin = BASEDIR.resolve("target/kernel-features");
        try {
            Files.createDirectories(bin.getParent());
            Path tmp = Files.createTempFile(bin.getParent(), "kernel-features", ".tmp");
            run(List.of("gcc", "-O2", "-Wall", "-o", tmp.toString(), src.toString()));
            Files.move(tmp, bin, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Map<String, Finding> out = new java.util.HashMap<>();
            for (String l : run(List.of(bin.toString())).lines().toList()) {
                String[] f = l.split(" ", 3);
                if (f.length == 3) out.put(f[0], new Finding(f[1].equals("yes"), f[2]));
            }
            return out;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("the kernel feature probe " + src + " did not run: " + e, e);
        }
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + ": timed out");
        }
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + "\n" + out);
        return out;
    }

    /** Each named controller is a cgroup v1 mount at /sys/fs/cgroup/NAME (/proc/self/mountinfo). */
    private static Finding v1(String... controllers) {
        List<String> missing = java.util.Arrays.stream(controllers).filter(c -> !mountedAs(CGROUP.resolve(c), "cgroup")).toList();
        return new Finding(missing.isEmpty(), missing.isEmpty() ? "mounted" : "no cgroup v1 mount at "
                + String.join(", ", missing.stream().map(c -> CGROUP.resolve(c).toString()).toList()));
    }

    private static Finding cgroup2() {
        for (Path p : List.of(CGROUP, CGROUP.resolve("unified")))
            if (mountedAs(p, "cgroup2")) return new Finding(true, "cgroup2 at " + p);
        return new Finding(false, "no cgroup2 mount at " + CGROUP + " or " + CGROUP.resolve("unified"));
    }

    private static boolean mountedAs(Path point, String fsType) {
        try {
            // mountinfo: ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
            for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = l.split(" ");
                int dash = List.of(f).indexOf("-");
                if (f.length > 4 && dash > 0 && dash + 1 < f.length && f[4].equals(point.toString()) && f[dash + 1].equals(fsType))
                    return true;
            }
            return false;
        } catch (IOException e) {
            throw new IllegalStateException("read /proc/self/mountinfo: " + e, e);
        }
    }

    private static Finding cpus() {
        int n = Runtime.getRuntime().availableProcessors();
        return new Finding(n >= 2, n + " CPU(s) available");
    }
}
