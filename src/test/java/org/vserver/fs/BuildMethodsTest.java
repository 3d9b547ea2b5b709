package org.vserver.fs;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BuildMethodsTest {
    /** The build's parser with this JVM's $PATH, as the composition root passes it. */
    private static BuildMethod parse(String method, List<String> args) throws BuildException {
        return BuildMethods.parse(method, args, SearchPath.fromEnvironment(System.getenv()));
    }


    @Test
    void unknownMethodListsTheKnownOnes() {
        BuildException e = assertThrows(BuildException.class, () -> parse("yum", List.of()));
        assertEquals("build: unknown build method 'yum': the known methods are host, skeleton, template, clone,"
                + " debootstrap", e.getMessage());
        assertNull(e.method());
    }

    @Test
    void hostIsTheDefaultAndTakesNoArguments() throws BuildException {
        assertInstanceOf(HostMethod.class, parse(null, null));
        BuildException e = assertThrows(BuildException.class, () -> parse("host", List.of("-d", "x")));
        assertTrue(e.getMessage().startsWith("build -m host: takes no arguments, got '-d'"), e.getMessage());
    }

    @Test
    void templateNeedsAnArchive() throws BuildException {
        BuildException e = assertThrows(BuildException.class, () -> parse("template", List.of()));
        assertTrue(e.getMessage().contains("no archive: give one with -t TARBALL"), e.getMessage());
        assertTrue(e.getMessage().contains("usage: vserver NAME build -m template -- -t TARBALL"), e.getMessage());

        var t = (TemplateMethod) parse("template", List.of("-t", "a.tar.gz", "-t", "b.tar.xz", "-d", "x"));
        assertEquals(List.of(Path.of("a.tar.gz"), Path.of("b.tar.xz")), t.tarballs());
        assertEquals("x", t.distribution());
    }

    @Test
    void missingOptionValueAndUnknownOption() {
        BuildException e = assertThrows(BuildException.class, () -> parse("template", List.of("-t")));
        assertTrue(e.getMessage().startsWith("build -m template: option -t needs a value"), e.getMessage());
        e = assertThrows(BuildException.class, () -> parse("clone", List.of("--source", "/x", "-Z")));
        assertTrue(e.getMessage().startsWith("build -m clone: unknown argument '-Z'"), e.getMessage());
    }

    @Test
    void cloneNeedsASource() throws BuildException {
        BuildException e = assertThrows(BuildException.class, () -> parse("clone", List.of("-X", "x")));
        assertTrue(e.getMessage().contains("no source"), e.getMessage());
        var c = (CloneMethod) parse("clone", List.of("--source", "/vservers/a", "-X", "/var/cache", "-X", "*.log"));
        assertEquals(Path.of("/vservers/a"), c.source());
        assertEquals(List.of("/var/cache", "*.log"), c.excludes());
    }

    @Test
    void debootstrapNeedsAKnownSuiteOrAMirror() throws BuildException {
        BuildException e = assertThrows(BuildException.class, () -> parse("debootstrap", List.of()));
        assertTrue(e.getMessage().contains("no suite: give one with -d"), e.getMessage());
        e = assertThrows(BuildException.class, () -> parse("debootstrap", List.of("-d", "kali-rolling")));
        assertTrue(e.getMessage().contains("unknown suite 'kali-rolling'") && e.getMessage().contains("-m MIRROR"),
                e.getMessage());

        var d = (DebootstrapMethod) parse("debootstrap",
                List.of("-d", "kali-rolling", "-m", "http://http.kali.org/kali", "--", "--keyring=/k.gpg", "--include=vim", "--arch=amd64"));
        assertEquals("kali-rolling", d.suite());
        assertEquals(List.of("--keyring=/k.gpg", "--include=vim", "--arch=amd64"), d.options());
    }

    @Test
    void skeletonCommandWithOrWithoutDashDash() throws BuildException {
        var s = (SkeletonMethod) parse("skeleton", List.of("-d", "debian", "--", "touch", "-x"));
        assertEquals("debian", s.distribution());
        assertEquals(List.of("touch", "-x"), s.command());
        s = (SkeletonMethod) parse("skeleton", List.of("sh", "-c", "true"));
        assertEquals(List.of("sh", "-c", "true"), s.command());
        assertTrue(((SkeletonMethod) parse("skeleton", List.of())).command().isEmpty());
        assertThrows(BuildException.class, () -> parse("skeleton", List.of("--pkgmgmt")));
    }
}
