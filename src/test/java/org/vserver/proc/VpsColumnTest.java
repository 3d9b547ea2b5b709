package org.vserver.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class VpsColumnTest {
    /** 1 and 2 are host processes, the rest belong to guest "web" (xid 49152). */
    static final IntFunction<String> CONTEXTS = pid -> pid <= 2 ? VpsColumn.HOST : "49152 web";

    @Test void psAuxOfThisHost() {                                  // procps 3.3: PID 5 wide
        String ps = """
                USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
                root         1  0.2  0.0  36444 10376 ?        S<Ll 04:26   0:01 /process_api --firecracker-init
                root         2  0.0  0.0      0     0 ?        S    04:26   0:00 [kthreadd]
                www-data 12345  0.0  0.1  20000  4000 ?        S    04:27   0:00 nginx: worker process
                """;
        assertEquals("""
                USER       PID CONTEXT   %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
                root         1 0 MAIN     0.2  0.0  36444 10376 ?        S<Ll 04:26   0:01 /process_api --firecracker-init
                root         2 0 MAIN     0.0  0.0      0     0 ?        S    04:26   0:00 [kthreadd]
                www-data 12345 49152 web  0.0  0.1  20000  4000 ?        S    04:27   0:00 nginx: worker process
                """, VpsColumn.insertContextColumn(ps, CONTEXTS));
    }

    @Test void psAuxOfProcpsNg4() {                                 // PID 7 wide, a pid wider than the column
        String ps = """
                USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
                root           1  0.0  0.1 167744 11800 ?        Ss   Jan01   0:05 /sbin/init
                1000     12345678  0.0  0.0   7060  3200 pts/0  S+   10:00   0:00 sleep 60
                """;
        assertEquals("""
                USER         PID CONTEXT   %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
                root           1 0 MAIN     0.0  0.1 167744 11800 ?        Ss   Jan01   0:05 /sbin/init
                1000     12345678 49152 web  0.0  0.0   7060  3200 pts/0  S+   10:00   0:00 sleep 60
                """, VpsColumn.insertContextColumn(ps, CONTEXTS));
    }

    @Test void psEf() {
        String ps = """
                UID        PID  PPID  C STIME TTY          TIME CMD
                root         1     0  0 04:26 ?        00:00:01 /process_api
                root      4667  2403  0 05:01 pts/0    00:00:00 bash -l
                """;
        assertEquals("""
                UID        PID CONTEXT    PPID  C STIME TTY          TIME CMD
                root         1 0 MAIN        0  0 04:26 ?        00:00:01 /process_api
                root      4667 49152 web  2403  0 05:01 pts/0    00:00:00 bash -l
                """, VpsColumn.insertContextColumn(ps, CONTEXTS));
    }

    @Test void pidFirstAndPidLast() {
        assertEquals("""
                  PID CONTEXT   COMMAND
                    1 0 MAIN    process_api
                 4667 49152 web bash
                """, VpsColumn.insertContextColumn("""
                  PID COMMAND
                    1 process_api
                 4667 bash
                """, CONTEXTS));
        assertEquals("""
                COMMAND           PID CONTEXT
                process_api         1 0 MAIN
                Web Content      4667 49152 web
                """, VpsColumn.insertContextColumn("""
                COMMAND           PID
                process_api         1
                Web Content      4667
                """, CONTEXTS));
    }

    @Test void linesWithoutAPidPassThrough() {
        String ps = """
                warning: bad syntax, perhaps a bogus '-'?
                  PID TTY          TIME CMD
                    2 ?        00:00:00 kthreadd
                  ? oddity
                
                """;
        assertEquals("""
                warning: bad syntax, perhaps a bogus '-'?
                  PID CONTEXT TTY          TIME CMD
                    2 0 MAIN  ?        00:00:00 kthreadd
                  ? oddity
                
                """, VpsColumn.insertContextColumn(ps, CONTEXTS));
    }

    @Test void withoutAPidHeaderNothingChanges() {
        String ps = "  TTY TIME CMD\n  ? 00:00 x\n";
        assertEquals(ps, VpsColumn.insertContextColumn(ps, CONTEXTS));
    }

    @Test void unknownContextPrintsAQuestionMark() {
        assertEquals("  PID CONTEXT CMD\n    7 ?       x", VpsColumn.insertContextColumn("  PID CMD\n    7 x", pid -> null));
    }
}
