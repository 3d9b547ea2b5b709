package org.vserver.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.vserver.net.ScriptedKernel.done;
import static org.vserver.net.ScriptedKernel.error;
import static org.vserver.net.ScriptedKernel.join;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exchange with a scripted kernel: sequence numbers, ACKs, errors, multi-part and interrupted dumps. */
class RtnetlinkTest {
    static byte[] link(int seq, int index, String name) {
        return new NetlinkMessage(Rtnetlink.RTM_NEWLINK, NetlinkMessage.NLM_F_MULTI).ifinfomsg(0, index, 1, 0)
                .attr(Rtnetlink.IFLA_IFNAME, name).toBytes(seq);
    }

    @Test void aRefusalNamesTheRequestTheDeviceAndTheErrnoAndStaleRepliesAreSkipped() throws Exception {
        var kernel = new ScriptedKernel((type, seq) -> switch (type) {
            // a stale answer to an earlier request comes first: it must not be taken for this one's
            case Rtnetlink.RTM_NEWADDR -> List.of(error(seq - 1, 0), error(seq, 17));
            case Rtnetlink.RTM_GETLINK -> List.of(join(link(seq, 1, "lo"), link(seq, 2, "eth0")), done(seq, 0, 0));
            default -> throw new AssertionError(type);
        });
        try (var rt = Rtnetlink.open(kernel)) {
            var e = assertThrows(NetlinkException.class, () -> rt.addAddress(2, InetAddress.getByName("10.0.0.1"), 32, null));
            assertEquals("RTM_NEWADDR 10.0.0.1/32 dev eth0 failed: EEXIST (File exists)", e.getMessage());
            assertEquals(17, e.errno());
        }
        assertTrue(kernel.closed);
        assertEquals(List.of(1, 2), List.of(NetlinkMessage.u32(kernel.requests.get(0), 8), NetlinkMessage.u32(kernel.requests.get(1), 8)),
                "one sequence number per request");
    }

    @Test void anAckIsSuccess() throws Exception {
        var kernel = new ScriptedKernel((type, seq) -> List.of(error(seq, 0)));
        try (var rt = Rtnetlink.open(kernel)) {
            rt.setUp(3);
            rt.deleteLink(3);
        }
        assertEquals(2, kernel.requests.size());
    }

    @Test void aDumpSpansDatagramsAndIsAskedAgainWhenInterrupted() throws Exception {
        int[] dumps = {0};
        var kernel = new ScriptedKernel((type, seq) -> ++dumps[0] == 1
                ? List.of(link(seq, 1, "lo"), done(seq, NetlinkMessage.NLM_F_DUMP_INTR, 0))
                : List.of(link(seq, 1, "lo"), link(seq, 5, "vsbr0"), done(seq, 0, 0)));
        try (var rt = Rtnetlink.open(kernel)) {
            assertEquals(List.of("lo", "vsbr0"), RtnetlinkHostTest.names(rt.links()));
        }
        assertEquals(2, dumps[0]);
    }

    @Test void anErrorAtTheEndOfADumpIsThrown() throws Exception {
        var kernel = new ScriptedKernel((type, seq) -> List.of(link(seq, 1, "lo"), done(seq, 0, 12)));
        try (var rt = Rtnetlink.open(kernel)) {
            var e = assertThrows(IOException.class, rt::links);
            assertEquals("RTM_GETLINK dump failed: ENOMEM (Cannot allocate memory)", e.getMessage());
        }
    }
}
