package org.vserver.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartOrderTest {
    @Test
    void dependenciesComeUpInEarlierWavesAndIndependentGuestsTogether() throws Exception {
        var order = StartOrder.of(Map.of("web", List.of("db"), "db", List.of(), "mail", List.of(), "cache", List.of("db"),
                "shop", List.of("web", "cache")));
        assertEquals(List.of(List.of("db", "mail"), List.of("cache", "web"), List.of("shop")), order.waves());
        assertEquals(List.of(List.of("shop"), List.of("cache", "web"), List.of("db", "mail")), order.reversed());
    }

    @Test
    void aCycleOrAMissingGuestStartsNothing() {
        var cycle = assertThrows(StartOrder.Unorderable.class,
                () -> StartOrder.of(Map.of("a", List.of("b"), "b", List.of("c"), "c", List.of("a"), "d", List.of())));
        assertTrue(cycle.getMessage().contains("cycle among a, b, c"), cycle.getMessage());
        var missing = assertThrows(StartOrder.Unorderable.class, () -> StartOrder.of(Map.of("a", List.of("ghost"))));
        assertEquals("guest 'a' depends on 'ghost' (apps/init/depends), which is no guest", missing.getMessage());
    }

    @Test
    void noGuestsNoWaves() throws Exception {
        assertEquals(List.of(), StartOrder.of(Map.of()).waves());
    }
}
