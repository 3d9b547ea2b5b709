package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class AddressesTest {
    private static String t(String s) { return Addresses.text(InetAddress.ofLiteral(s)); }

    @Test void ipv6InItsShortForm() {
        assertEquals("fd78:ab::2", t("fd78:ab:0:0:0:0:0:2"));
        assertEquals("::1", t("::1"));
        assertEquals("::", t("::"));
        assertEquals("fe80::256:53ff:feab:9c41", t("fe80:0:0:0:256:53ff:feab:9c41"));
        assertEquals("2001:db8:0:1:1:1:1:1", t("2001:db8:0:1:1:1:1:1"), "one zero group stays");
        assertEquals("2001:db8::1:0:0:1", t("2001:db8:0:0:1:0:0:1"), "the first of two equal runs");
        assertEquals("1::", t("1:0:0:0:0:0:0:0"));
        assertEquals("10.1.2.3", t("10.1.2.3"));
    }
}
