package org.vserver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vserver.cli.VlimitArgs.Change;
import org.vserver.cli.VlimitArgs.Which;
import org.vserver.limits.Limit;
import org.vserver.limits.Resource;
import org.vserver.limits.ResourceConfig;

class VlimitArgsTest {

    @Test
    void aValueWithoutModifierIsTheHardLimitAsInUtilVserver() {
        var a = VlimitArgs.parse(List.of("--xid", "web", "--rss", "64K"));
        assertEquals("web", a.xid());
        assertEquals(List.of(new Change(Resource.RSS, EnumSet.of(Which.HARD), 65536)), a.changes());
    }

    @Test
    void modifiersApplyToTheNextResourceOnlyAndCombine() {
        var a = VlimitArgs.parse(List.of("--xid", "40001", "-S", "-H", "--nproc", "100", "--nofile", "inf", "-M", "--rss", "1k"));
        assertEquals(List.of(new Change(Resource.NPROC, EnumSet.of(Which.SOFT, Which.HARD), 100),
                new Change(Resource.NOFILE, EnumSet.of(Which.HARD), Limit.INFINITY),
                new Change(Resource.RSS, EnumSet.of(Which.MIN), 1000)), a.changes());
    }

    @Test
    void getAndAllShowEverything() {
        assertTrue(VlimitArgs.parse(List.of("--xid", "w", "-a")).get());
        assertTrue(VlimitArgs.parse(List.of("--get", "--xid=w")).get());
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VlimitArgs.parse(List.of("--rss", "1")))
                .getMessage().contains("--xid"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VlimitArgs.parse(List.of("--xid", "w", "--bogus", "1")))
                .getMessage().contains("--bogus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VlimitArgs.parse(List.of("--xid", "w", "--rss", "lots")))
                .getMessage().startsWith("--rss: "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VlimitArgs.parse(List.of("--xid", "w", "-S")))
                .getMessage().contains("followed by"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> VlimitArgs.parse(List.of("--xid", "w", "--rss")))
                .getMessage().contains("needs a value"));
    }

    @Test
    void changesMergeIntoTheLiveLimits() {
        ResourceConfig live = ResourceConfig.NONE.withRlimit(Resource.RSS, Limit.both(100));
        var a = VlimitArgs.parse(List.of("--xid", "w", "-S", "--rss", "50", "--nproc", "10"));
        ResourceConfig next = VlimitCommand.apply(live, a.changes());
        assertEquals(new Limit(java.util.OptionalLong.of(50), java.util.OptionalLong.of(100), java.util.OptionalLong.empty()),
                next.rlimit(Resource.RSS));
        assertEquals(java.util.OptionalLong.of(10), next.rlimit(Resource.NPROC).hard());
    }

    @Test
    void aLowerHardLimitTakesTheSoftOneDownButASoftAboveHardIsRefused() {
        ResourceConfig live = ResourceConfig.NONE.withRlimit(Resource.NOFILE, Limit.both(512));
        ResourceConfig next = VlimitCommand.apply(live, VlimitArgs.parse(List.of("--xid", "w", "--nofile", "256")).changes());
        assertEquals(Limit.both(256), next.rlimit(Resource.NOFILE));
        var e = assertThrows(IllegalArgumentException.class,
                () -> VlimitCommand.apply(live, VlimitArgs.parse(List.of("--xid", "w", "-S", "--nofile", "1024")).changes()));
        assertEquals("--nofile: soft limit 1024 is above the hard limit 512", e.getMessage());
    }
}
