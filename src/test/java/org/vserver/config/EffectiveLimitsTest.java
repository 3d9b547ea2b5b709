package org.vserver.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vserver.config.EffectiveLimits.Origin;
import org.vserver.limits.DefaultLimits;
import org.vserver.limits.Limit;
import org.vserver.limits.Resource;
import org.vserver.limits.ResourceConfig;

/** rlimits/ per resource: the guest's files, else its ulimits/ (per-process ones), else .defaults/rlimits/, else built in. */
class EffectiveLimitsTest {
    @TempDir Path root;

    private Path g() { return root.resolve("web"); }

    private Path defaults() { return root.resolve(".defaults"); }

    private EffectiveLimits read() throws ConfigException {
        return EffectiveLimits.read(new ConfigFiles(g(), defaults()));
    }

    @Test void aGuestWithoutFilesGetsTheBuiltInDefaults() throws Exception {
        Files.createDirectories(g());
        var e = read();
        assertEquals(DefaultLimits.BUILT_IN, e.limits());
        assertEquals(Map.of(Resource.NPROC, Origin.BUILT_IN, Resource.MSGQUEUE, Origin.BUILT_IN, Resource.SIGPENDING, Origin.BUILT_IN),
                e.origins());
        assertEquals(Limit.both(4096), e.limits().get(Resource.NPROC), "the default task limit");
    }

    @Test void dotDefaultsReplaceTheBuiltInAndAddResources() throws Exception {
        Files.createDirectories(g());
        Fixture.put(defaults(), "rlimits/nproc", "1000\n");
        Fixture.put(defaults(), "rlimits/rss.hard", "64K\n");
        var e = read();
        assertEquals(Limit.both(1000), e.limits().get(Resource.NPROC));
        assertEquals(Origin.DEFAULTS, e.origins().get(Resource.NPROC));
        assertEquals(Limit.NONE.withHard(65536), e.limits().get(Resource.RSS));
        assertEquals(Origin.DEFAULTS, e.origins().get(Resource.RSS));
        assertEquals(Origin.BUILT_IN, e.origins().get(Resource.SIGPENDING));
    }

    @Test void theGuestsFilesReplaceDotDefaultsForTheWholeResource() throws Exception {
        Fixture.put(defaults(), "rlimits/nproc", "1000\n");
        Fixture.put(g(), "rlimits/nproc.soft", "50\n");
        Fixture.put(g(), "rlimits/msgqueue", "inf\n");
        var e = read();
        assertEquals(Limit.NONE.withSoft(50), e.limits().get(Resource.NPROC), "not merged with .defaults' hard 1000");
        assertEquals(Origin.GUEST, e.origins().get(Resource.NPROC));
        assertEquals(Limit.both(Limit.INFINITY), e.limits().get(Resource.MSGQUEUE), "inf switches a default off");
        assertEquals(Origin.GUEST, e.origins().get(Resource.MSGQUEUE));
    }

    @Test void aGuestsUlimitBeatsTheDefaultsOfItsResourceButNotTheTaskLimit() throws Exception {
        Fixture.put(defaults(), "rlimits/sigpending", "2000\n");
        Fixture.put(g(), "ulimits/sigpending", "100\n");
        Fixture.put(g(), "ulimits/msgqueue.hard", "8192\n");
        Fixture.put(g(), "ulimits/nproc", "5\n");              // RLIMIT_NPROC, not the guest's pids limit
        var e = read();
        assertFalse(e.limits().containsKey(Resource.SIGPENDING), "ulimits/sigpending decides: " + e);
        assertFalse(e.limits().containsKey(Resource.MSGQUEUE), "ulimits/msgqueue.hard decides: " + e);
        assertEquals(Limit.both(DefaultLimits.NPROC), e.limits().get(Resource.NPROC));
    }

    @Test void aBadDotDefaultsFileIsNamed() throws Exception {
        Files.createDirectories(g());
        Fixture.put(defaults(), "rlimits/sigpending", "lots\n");
        var ex = assertThrows(ConfigException.class, this::read);
        assertTrue(ex.getMessage().startsWith(defaults().resolve("rlimits/sigpending") + ":1: invalid limit 'lots'"), ex.getMessage());
        Files.delete(defaults().resolve("rlimits/sigpending"));
        Fixture.put(defaults(), "rlimits/sigpnding", "1\n");
        ex = assertThrows(ConfigException.class, this::read);
        assertTrue(ex.getMessage().startsWith(defaults().resolve("rlimits/sigpnding") + ": unknown resource"), ex.getMessage());
    }

    @Test void theGuestsConfigurationCarriesTheEffectiveLimits() throws Exception {
        Fixture.guest(root, "web");
        Fixture.put(g(), "rlimits/nofile", "512\n");
        ResourceConfig r = ConfigDir.read(new ConfigRoot(root), "web").resources();
        assertEquals(Limit.both(512), r.rlimit(Resource.NOFILE));
        assertEquals(Limit.both(DefaultLimits.NPROC), r.rlimit(Resource.NPROC));
        assertEquals(Limit.both(DefaultLimits.SIGPENDING), r.rlimit(Resource.SIGPENDING));
        assertEquals(Limit.both(DefaultLimits.MSGQUEUE), r.rlimit(Resource.MSGQUEUE));
        // the raw reader (a running guest's live settings) adds nothing
        assertEquals(Map.of(Resource.NOFILE, Limit.both(512)), ResourceDir.read(new ConfigFiles(g(), defaults())).rlimits());
    }
}
