package org.vserver.context;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vserver.bpf.ClassicProgram;
import org.vserver.config.SeccompConfig;
import org.vserver.kernel.Capability;
import org.vserver.plan.Step;
import org.vserver.seccomp.FilterCompiler;

class DefaultFilterFileTest {
    @Test void theBuildsFilterIsWhatTheCompilerGives() {
        var built = DefaultFilterFile.load();
        assertTrue(built.isPresent(), "the build (process-classes) writes " + DefaultFilterFile.RESOURCE);
        assertArrayEquals(DefaultFilterFile.compile().bytes(), built.get().bytes());
    }

    @Test void decodeIsTheInverseOfBytes() {
        var p = DefaultFilterFile.compile();
        assertEquals(p, ClassicProgram.decode(p.bytes()));
    }

    @Test void onlyTheDefaultGuestGetsIt() {
        var web = TestGuests.hostGuest();
        Set<Capability> defaults = Capabilities.bounding(List.of());
        var def = (Step.Seccomp) GuestFilter.step(web, defaults).orElseThrow();
        assertEquals(DefaultFilterFile.compile(), def.program());
        var more = java.util.EnumSet.copyOf(defaults);
        more.add(Capability.SYS_TIME);
        var other = (Step.Seccomp) GuestFilter.step(web, more).orElseThrow();
        assertNotEquals(def.program(), other.program(), "another bounding set: its own filter");
        assertEquals(FilterCompiler.compile(GuestFilter.profile(SeccompConfig.DEFAULT, more)), other.program());
    }
}
