package org.vserver.unify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vserver.unify.ExcludeRules.Verdict.CANDIDATE;
import static org.vserver.unify.ExcludeRules.Verdict.EXCLUDED;
import static org.vserver.unify.ExcludeRules.Verdict.SECRET;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vserver.config.ConfigException;

class ExcludeRulesTest {
    private static final Path F = Path.of("/etc/vservers/web/apps/vunify/exclude");

    @Test
    void builtinListAsUtilVserverShipsIt() {
        ExcludeRules b = ExcludeRules.builtin();
        assertEquals(CANDIDATE, b.classify("/usr/bin/ls"));
        assertEquals(CANDIDATE, b.classify("/usr/share/doc/bash/copyright"));
        assertEquals(EXCLUDED, b.classify("/etc/ssh/sshd_config"));     // /etc/* covers the directory /etc/ssh
        assertEquals(EXCLUDED, b.classify("/etc/hostname"));
        assertEquals(CANDIDATE, b.classify("/etc"));                    // /etc/* does not match /etc itself
        assertEquals(CANDIDATE, b.classify("/etc/termcap"));            // + before /etc/*
        assertEquals(CANDIDATE, b.classify("/etc/gconf/schemas/gnome.schemas"));
        assertEquals(EXCLUDED, b.classify("/etc/gconf/gconf.xml.defaults/x"));
        assertEquals(SECRET, b.classify("/etc/shadow"));
        assertEquals(SECRET, b.classify("/etc/ssh/ssh_host_ed25519_key"));
        assertEquals(SECRET, b.classify("/root/.ssh/id_rsa"));
        assertEquals(EXCLUDED, b.classify("/root/.bashrc"));
        assertEquals(EXCLUDED, b.classify("/var/lib/dpkg/status"));
        assertEquals(EXCLUDED, b.classify("/dev/null"));
        assertEquals(EXCLUDED, b.classify("/tmp/x"));
        assertEquals(EXCLUDED, b.classify("/run/utmp"));
        assertEquals(EXCLUDED, b.classify("/usr/ls-R"));                // /*/ls-R
        assertEquals(CANDIDATE, b.classify("/usr/share/texmf/ls-R"));   // * does not cross '/'
        assertEquals(EXCLUDED, b.classify("/.rpmdb/Packages"));
    }

    @Test
    void firstMatchWinsAndSecretsBeatEverything() throws ConfigException {
        ExcludeRules r = ExcludeRules.parse(F, List.of(
                "# comment", "", "+/opt/keep/**", "-/opt/**", "/srv", "+/srv/www", "~/opt/keep/secret.key"));
        assertEquals(CANDIDATE, r.classify("/opt/keep/a/b"));
        assertEquals(EXCLUDED, r.classify("/opt/other/a"));
        assertEquals(EXCLUDED, r.classify("/srv/www/index.html"));      // /srv came first
        assertEquals(SECRET, r.classify("/opt/keep/secret.key"));       // though +/opt/keep/** comes first
        assertEquals(CANDIDATE, r.classify("/usr/lib/x"));
    }

    @Test
    void globs() throws ConfigException {
        ExcludeRules r = ExcludeRules.parse(F, List.of("/a/*.conf", "/b/**/x", "/c/file?", "/d/[ab]*", "/e/[!x]", "/f/"));
        assertEquals(EXCLUDED, r.classify("/a/x.conf"));
        assertEquals(CANDIDATE, r.classify("/a/sub/x.conf"));
        assertEquals(EXCLUDED, r.classify("/b/1/2/3/x"));
        assertEquals(EXCLUDED, r.classify("/c/file1"));
        assertEquals(CANDIDATE, r.classify("/c/file12"));
        assertEquals(EXCLUDED, r.classify("/d/apple"));
        assertEquals(CANDIDATE, r.classify("/d/cherry"));
        assertEquals(EXCLUDED, r.classify("/e/y"));
        assertEquals(CANDIDATE, r.classify("/e/x"));
        assertEquals(EXCLUDED, r.classify("/f/g"));                     // a trailing '/' names the directory
    }

    @Test
    void thenConcatenatesInOrder() throws ConfigException {
        ExcludeRules guest = ExcludeRules.parse(F, List.of("+/etc/motd"));
        ExcludeRules all = guest.then(ExcludeRules.builtin());
        assertEquals(CANDIDATE, all.classify("/etc/motd"));
        assertEquals(EXCLUDED, ExcludeRules.builtin().then(guest).classify("/etc/motd"));
    }

    @Test
    void relativeLineIsAnErrorWithFileAndLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ExcludeRules.parse(F, List.of("/usr", "# x", "+etc/motd")));
        assertEquals(3, e.line());
        assertEquals(F, e.file());
        assertTrue(e.getMessage().startsWith(F + ":3: "), e.getMessage());
        assertTrue(e.getMessage().contains("+etc/motd"), e.getMessage());
    }

    @Test
    void pruningKeepsDirectoriesAnEarlierIncludeReaches() {
        ExcludeRules b = ExcludeRules.builtin();
        assertFalse(b.prunes("/var"));                                  // +/var/lib/dpkg/info is below
        assertTrue(b.prunes("/var/log"));
        assertFalse(b.prunes("/var/cache"));
        assertEquals(ExcludeRules.Verdict.CANDIDATE, b.classify("/var/lib/dpkg/info/bash.list"));
        assertEquals(ExcludeRules.Verdict.CANDIDATE, b.classify("/var/cache/apt/pkgcache.bin"));
        assertEquals(ExcludeRules.Verdict.EXCLUDED, b.classify("/var/lib/dpkg/status"));
        assertEquals(ExcludeRules.Verdict.EXCLUDED, b.classify("/var/log/dpkg.log"));
        assertTrue(b.prunes("/proc"));
        assertTrue(b.prunes("/etc/ssh"));
        assertTrue(b.prunes("/root/.ssh"));
        assertFalse(b.prunes("/etc"));
        assertFalse(b.prunes("/etc/gconf"));                            // +/etc/gconf/schemas is below
        assertFalse(b.prunes("/usr"));
    }
}
