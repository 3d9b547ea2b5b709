package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ProcUnhideTest {
    private static final Path F = Path.of("/etc/vservers/g/apps/vprocunhide/files");
    private static final ProcVisibility D = ProcVisibility.SECURE_DEFAULT;

    private static ProcVisibility apply(ProcVisibility base, String text) throws ConfigException {
        return ProcUnhide.apply(base, ConfigFiles.Content.of(F, text));
    }

    private static ProcVisibility apply(String text) throws ConfigException { return apply(D, text); }

    private static void assertError(String text, int line, String message) {
        var e = assertThrows(ConfigException.class, () -> apply(text));
        assertEquals(F + ":" + line + ": " + message, e.getMessage());
    }

    private static List<String> plus(List<String> l, String... more) {
        var out = new ArrayList<>(l);
        out.addAll(List.of(more));
        return out;
    }

    private static List<String> minus(List<String> l, String gone) {
        assertTrue(l.contains(gone), gone + " in " + l);
        return l.stream().filter(x -> !x.equals(gone)).toList();
    }

    @Test void theDefaultIsProcMasks() {
        assertEquals(ProcMasks.MASKED_FILES, D.maskedFiles());
        assertEquals(ProcMasks.MASKED_DIRS, D.maskedDirs());
        assertEquals(ProcMasks.READ_ONLY, D.readOnly());
        assertEquals(List.of(), D.writable());
    }

    @Test void emptyListsAndCommentsChangeNothing() throws Exception {
        assertEquals(D, apply(""));
        assertEquals(D, apply("# nothing here\n\n   \n"));
    }

    @Test void visibleRemovesTheMaskOnly() throws Exception {
        var v = apply("+/proc/interrupts\n/proc/kcore\n");
        assertEquals(minus(minus(D.maskedFiles(), "/proc/interrupts"), "/proc/kcore"), v.maskedFiles());
        assertEquals(D.maskedDirs(), v.maskedDirs());
        assertEquals(D.readOnly(), v.readOnly());
    }

    @Test void visibleInsideAReadOnlyTreeStaysReadOnly() throws Exception {
        var v = apply("-/proc/sys/vm/\n+/proc/sys/vm/\n");
        assertEquals(D, v, "the mask is gone again and /proc/sys is still read-only");
    }

    @Test void allFourHidePrefixesMeanHidden() throws Exception {
        var v = apply("-/proc/loadavg\n~/proc/uptime\n:/proc/stat\n!/proc/meminfo\n");
        assertEquals(plus(D.maskedFiles(), "/proc/loadavg", "/proc/uptime", "/proc/stat", "/proc/meminfo"), v.maskedFiles());
    }

    @Test void aTrailingSlashHidesADirectory() throws Exception {
        var v = apply("-/proc/sys/vm/\n! /sys/kernel/\n");
        assertEquals(plus(D.maskedDirs(), "/proc/sys/vm", "/sys/kernel"), v.maskedDirs());
        assertEquals(D.maskedFiles(), v.maskedFiles());
    }

    @Test void recursiveVisibleRemovesMasksBelow() throws Exception {
        var base = apply("!/proc/sys/kernel/random/uuid\n!/proc/sys/kernel/foo\n!/proc/sys/vm/\n");
        var v = apply(base, "+/proc/sys/kernel/\n");
        assertEquals(D.maskedFiles(), v.maskedFiles());
        assertEquals(plus(D.maskedDirs(), "/proc/sys/vm"), v.maskedDirs());
        assertEquals(base, apply(base, "+/proc/sys/kernel\n"), "without '/' only the path itself");
    }

    @Test void writableInsideAReadOnlyTreeIsRebound() throws Exception {
        var v = apply(">/proc/sys/kernel/domainname\n");
        assertEquals(List.of("/proc/sys/kernel/domainname"), v.writable());
        assertEquals(D.readOnly(), v.readOnly());
        assertEquals("/proc/sys", v.readOnlyTreeOf("/proc/sys/kernel/domainname"));
    }

    @Test void writableReadOnlyEntryLeavesTheList() throws Exception {
        var v = apply(">/proc/sysrq-trigger\n");
        assertEquals(minus(D.readOnly(), "/proc/sysrq-trigger"), v.readOnly());
        assertEquals(List.of(), v.writable(), "outside any read-only tree there is nothing to rebind");
    }

    @Test void writableAlsoUnmasks() throws Exception {
        var v = apply("!/proc/sys/kernel/domainname\n>/proc/sys/kernel/domainname\n");
        assertEquals(D.maskedFiles(), v.maskedFiles());
        assertEquals(List.of("/proc/sys/kernel/domainname"), v.writable());
    }

    @Test void visibleUndoesAnEarlierWritable() throws Exception {
        var defaults = apply(">/proc/sys/kernel/domainname\n>/proc/sysrq-trigger\n");
        var guest = apply(defaults, "+/proc/sys/kernel/domainname\n/proc/sysrq-trigger\n");
        assertEquals(List.of(), guest.writable());
        assertEquals(new java.util.HashSet<>(D.readOnly()), new java.util.HashSet<>(guest.readOnly()),
                "sysrq-trigger is read-only again, as in the default");
    }

    @Test void hidingADirectoryDropsWhatLiesBelow() throws Exception {
        var v = apply(">/proc/sys/kernel/domainname\n!/proc/sys/kernel/random/uuid\n!/proc/sys/\n");
        assertEquals(List.of(), v.writable());
        assertEquals(minus(D.readOnly(), "/proc/sys"), v.readOnly(), "an empty tmpfs is read-only already");
        assertEquals(D.maskedFiles(), v.maskedFiles());
        assertEquals(plus(D.maskedDirs(), "/proc/sys"), v.maskedDirs());
        assertEquals(v, apply(v, "!/proc/sys/vm/\n-/proc/sys/kernel/hostname\n"), "hiding inside a hidden directory changes nothing");
    }

    @Test void aLaterHiddenDirectoryReplacesAFileMask() throws Exception {
        var v = apply("!/proc/driver\n!/proc/driver/\n");
        assertEquals(D.maskedFiles(), v.maskedFiles());
        assertEquals(plus(D.maskedDirs(), "/proc/driver"), v.maskedDirs());
    }

    @Test void visibleInsideAHiddenDirectoryIsAnError() {
        assertError("\n+/proc/acpi/wakeup\n", 2, "'/proc/acpi/wakeup' lies inside the hidden /proc/acpi (an empty tmpfs): make /proc/acpi/ visible first");
        assertError("-/proc/sys/vm/\n>/proc/sys/vm/swappiness\n", 2,
                "'/proc/sys/vm/swappiness' lies inside the hidden /proc/sys/vm (an empty tmpfs): make /proc/sys/vm/ visible first");
    }

    @Test void syntaxErrors() {
        assertError("/etc/passwd\n", 1, "'/etc/passwd' is not below /proc or /sys: the list only changes what the guest sees there");
        assertError("# c\n!/proc\n", 2, "'/proc' is not below /proc or /sys: the list only changes what the guest sees there");
        assertError("+/sys/\n", 1, "'/sys/' is not below /proc or /sys: the list only changes what the guest sees there");
        assertError("!/procfoo\n", 1, "'/procfoo' is not below /proc or /sys: the list only changes what the guest sees there");
        assertError("+proc/kcore\n", 1, "'proc/kcore' must be an absolute path (/proc/... or /sys/...)");
        assertError("!/proc/sys/../../etc/\n", 1, "'/proc/sys/../../etc/' must not contain '..'");
        assertError("!/proc/./kcore\n", 1, "'/proc/./kcore' must not contain '.'");
        assertError("!/proc//kcore\n", 1, "'/proc//kcore' has an empty component ('//')");
        assertError("/proc/kcore\n!\n", 2, "no path after '!'");
        assertError(">  \n", 1, "no path after '>'");
        assertError("/proc/kcore # why\n", 1, "'/proc/kcore # why' contains whitespace: one path per line, comments only on lines of their own");
        assertError(">/sys/kernel/mm/ksm/run\n", 1, "'>/sys/kernel/mm/ksm/run': the guest's /sys is a read-only sysfs as a whole; '>' is for /proc entries");
    }

    @Test void perProcessLinksCannotBeMasked() throws Exception {
        assertError("!/proc/self/mountinfo\n", 1, "'/proc/self/mountinfo' goes through /proc/self, a per-process link on this host:"
                + " a mount would follow it and cover one process's entry only");
        assertError("!/proc/net/\n", 1, "'/proc/net/' goes through /proc/net, a per-process link on this host:"
                + " a mount would follow it and cover one process's entry only");
        apply("+/proc/net/\n");   // visible: removes masks, mounts nothing
    }
}
