package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OwnerColumnsTest {
    /** Guest "web" holds host ids 1000000..1065535; it names uids 0 and 33, gids 0 and 5. */
    static final OwnerNames NAMES = new OwnerNames() {
        @Override public Optional<GuestId> ofGuest(Kind kind, long hostId) {
            if (hostId < 1_000_000 || hostId >= 1_065_536) return Optional.empty();
            long id = hostId - 1_000_000;
            Map<Long, String> names = kind == Kind.USER ? Map.of(0L, "root", 33L, "www-data") : Map.of(0L, "root", 5L, "tty");
            return Optional.of(new GuestId("web", id, names.getOrDefault(id, Long.toString(id))));
        }
        @Override public String ofHost(Kind kind, long hostId) { return "host" + hostId; }
    };

    @Test void userNamesOfTheGuestInPlaceOfHostIds() {
        String ps = """
                USER         PID %CPU COMMAND
                root           1  0.0 /sbin/init
                1000000      101  0.0 nginx
                1000033      102  0.0 nginx: worker 1000033
                1000777      103  0.0 sleep
                2000000      104  0.0 another range: not a guest's here
                65534        105  0.0 nobody of the host
                """;
        assertEquals("""
                USER         PID %CPU COMMAND
                root           1  0.0 /sbin/init
                root         101  0.0 nginx
                www-data     102  0.0 nginx: worker 1000033
                777          103  0.0 sleep
                2000000      104  0.0 another range: not a guest's here
                65534        105  0.0 nobody of the host
                """, OwnerColumns.rewrite(ps, NAMES));
    }

    @Test void uidOfPsDashFIsANameColumnAndOfDashOUidANumberColumn() {
        assertEquals("""
                UID          PID  PPID CMD
                root           1     0 /sbin/init
                www-data     102     1 nginx
                """, OwnerColumns.rewrite("""
                UID          PID  PPID CMD
                root           1     0 /sbin/init
                1000033      102     1 nginx
                """, NAMES));
        assertEquals("""
                    PID     UID     GID EGROUP
                      1       0       0 root
                    102      33       5 tty
                    103     777    1007 1007
                """, OwnerColumns.rewrite("""
                    PID     UID     GID EGROUP
                      1       0       0 root
                    102 1000033 1000005 1000005
                    103 1000777 1001007 1001007
                """, NAMES));
    }

    @Test void aLongerNameTakesTheBlanksAfterItThenShiftsTheLine() {
        String ps = "RUSER      PID\n1000033 1\n1000000\n";
        assertEquals("RUSER      PID\nwww-data 1\nroot\n", OwnerColumns.rewrite(ps, NAMES));
    }

    @Test void withoutAnOwnerColumnNothingChanges() {
        String ps = "    PID COMMAND\n1000000 x\n";
        assertEquals(ps, OwnerColumns.rewrite(ps, NAMES));
        assertEquals("", OwnerColumns.rewrite("", NAMES));
    }

    @Test void jsonRowsGetTheGuestsNamesAndKeepTheHostIds() {
        String ps = """
                USER         PID    UID COMMAND
                root           1      0 /sbin/init
                1000033      102 1000033 nginx
                """;
        List<Map<String, Object>> rows = VpsColumn.rows(ps, pid -> ContextOfPid.Context.HOST);
        OwnerColumns.rewriteRows(rows, NAMES);
        assertEquals("root", rows.get(0).get("USER"));
        assertFalse(rows.get(0).containsKey("host_user"), "a host process has nothing to keep");
        assertEquals("www-data", rows.get(1).get("USER"));
        assertEquals("1000033", rows.get(1).get("host_user"));
        assertEquals("33", rows.get(1).get("UID"), "UID holds numbers only here: the guest's own");
        assertEquals("1000033", rows.get(1).get("host_uid"));
    }
}
