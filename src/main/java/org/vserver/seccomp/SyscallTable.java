package org.vserver.seccomp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * System call names and numbers of one {@link Arch}, from the resource {@code <arch>.syscalls}:
 * {@code name number} lines taken from the kernel's uapi headers ({@code asm/unistd_64.h},
 * {@code unistd_x32.h}, {@code unistd_32.h}); SyscallTableTest checks them against the headers of
 * the build host when they are installed. Numbers are without {@link Arch#base()}.
 */
public record SyscallTable(Arch arch, Map<String, Integer> numbers) {
    public SyscallTable { numbers = Collections.unmodifiableMap(new TreeMap<>(numbers)); }

    private static final Map<Arch, SyscallTable> TABLES = load();

    public static SyscallTable of(Arch arch) { return TABLES.get(arch); }

    /** Whether any table knows {@code name}: the check for names in seccomp/allow and deny. */
    public static boolean known(String name) {
        for (SyscallTable t : TABLES.values()) if (t.numbers.containsKey(name)) return true;
        return false;
    }

    private static Map<Arch, SyscallTable> load() {
        Map<Arch, SyscallTable> m = new EnumMap<>(Arch.class);
        for (Arch a : Arch.values()) m.put(a, parse(a, resource(a)));
        return m;
    }

    private static String resource(Arch a) {
        String name = a.tableName() + ".syscalls";
        try (InputStream in = SyscallTable.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource org/vserver/seccomp/" + name + " missing from the build");
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name + ": " + e.getMessage(), e);
        }
    }

    static SyscallTable parse(Arch arch, String text) {
        Map<String, Integer> m = new TreeMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] f = l.split("\\s+");
            if (f.length != 2) throw new IllegalStateException(arch.tableName() + ".syscalls: bad line '" + l + "'");
            m.put(f[0], Integer.parseInt(f[1]));
        }
        return new SyscallTable(arch, m);
    }
}
