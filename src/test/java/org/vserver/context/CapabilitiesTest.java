package org.vserver.context;

import static org.junit.jupiter.api.Assertions.*;
import static org.vserver.config.ContextCapability.*;

import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.vserver.config.GuestConfig.ContextCapabilityChange;

class CapabilitiesTest {
    @Test void contextCapabilitiesStartFromVserversSecureDefault() {
        assertEquals(EnumSet.of(SET_UTSNAME, RAW_ICMP, AUDIT_CONTROL), Capabilities.context(List.of()));
    }

    @Test void ccapabilitiesAddAndRemoveInFileOrder() {
        var changes = List.of(new ContextCapabilityChange(RAW_ICMP, false), new ContextCapabilityChange(SYSLOG, true),
                new ContextCapabilityChange(SYSLOG, false), new ContextCapabilityChange(KTHREAD, true));
        assertEquals(EnumSet.of(SET_UTSNAME, AUDIT_CONTROL, KTHREAD), Capabilities.context(changes));
    }
}
