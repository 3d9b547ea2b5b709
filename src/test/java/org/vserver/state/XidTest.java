package org.vserver.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The context numbers' ranges, classes and text forms (reference §4.1). */
class XidTest {
    @Test
    void kindsFollowTheRanges() {
        assertEquals(Xid.Kind.MAIN, Xid.kind(0));
        assertEquals(Xid.Kind.WATCH, Xid.kind(1));
        assertEquals(Xid.Kind.STATIC, Xid.kind(2));
        assertEquals(Xid.Kind.STATIC, Xid.kind(49151));
        assertEquals(Xid.Kind.DYNAMIC, Xid.kind(49152));
        assertEquals(Xid.Kind.DYNAMIC, Xid.kind(65535));
        assertEquals("watch", Xid.Kind.WATCH.word());
        var e = assertThrows(IllegalArgumentException.class, () -> Xid.kind(65536));
        assertEquals("context number 65536 is out of range 0..65535", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Xid.kind(-1));
    }

    @Test
    void parseTakesDecimalNumbersUpTo65535Only() {
        assertEquals(OptionalInt.of(0), Xid.parse("0"));
        assertEquals(OptionalInt.of(40001), Xid.parse("40001"));
        assertEquals(OptionalInt.of(65535), Xid.parse("65535"));
        for (String no : List.of("", "65536", "9999999999", "-1", "+5", " 5", "web", "4.5", "0x10"))
            assertEquals(OptionalInt.empty(), Xid.parse(no), no);
        assertEquals(OptionalInt.empty(), Xid.parse(null));
        assertTrue(Xid.isNumber("65536") && !Xid.isNumber("12345678901") && !Xid.isNumber("web"));
    }

    @Test
    void aGuestsNumberIsNeitherTheHostsNorTheSpectators() {
        assertEquals(2, Xid.parseGuest("2"));
        assertEquals(65535, Xid.parseGuest("65535"));
        for (String bad : List.of("0", "1", "65536", "forty", ""))
            assertEquals("invalid context '" + bad + "': expected a number 2..65535 (0 is the host, 1 the spectator)",
                    assertThrows(IllegalArgumentException.class, () -> Xid.parseGuest(bad)).getMessage());
        assertTrue(Xid.isGuest(2) && Xid.isGuest(65535));
        assertFalse(Xid.isGuest(Xid.HOST) || Xid.isGuest(Xid.SPECTATOR) || Xid.isGuest(65536));
    }

    @Test
    void dynamicXidsLowestFirst() {
        assertEquals(OptionalInt.of(49152), Xid.lowestFreeDynamic(Set.of(40000)));
        assertEquals(OptionalInt.of(49154), Xid.lowestFreeDynamic(Set.of(49152, 49153, 49155)));
        Set<Integer> all = new HashSet<>();
        for (int x = Xid.FIRST_DYNAMIC; x <= Xid.LAST_DYNAMIC; x++) all.add(x);
        assertEquals(OptionalInt.empty(), Xid.lowestFreeDynamic(all));
        assertEquals("no free dynamic XID: all of 49152..65535 are in use", Xid.noFreeDynamic());
    }

    @Test
    void formatShowsAnUnknownContextAsAQuestionMark() {
        assertEquals("49152", Xid.format(49152));
        assertEquals("0", Xid.format(Xid.HOST));
        assertEquals("?", Xid.format(-1));
    }
}
