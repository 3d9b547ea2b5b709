package org.vserver.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.vserver.kernel.MountFlag;

/** MOUNT_LOOP's step: what it refuses, its text, and its bytes on the wire (the launcher decodes them in PlanTextAgreementTest). */
class MountLoopStepTest {

    @Test
    void refusesWhatIsNotANewMountOfAnImage() {
        assertThrows(NullPointerException.class, () -> new Step.MountLoop(null, "/t", "ext4", Set.of(), null));
        assertThrows(NullPointerException.class, () -> new Step.MountLoop("/i", null, "ext4", Set.of(), null));
        assertThrows(NullPointerException.class, () -> new Step.MountLoop("/i", "/t", null, Set.of(), null));
        for (MountFlag f : Step.MountLoop.NOT_A_NEW_MOUNT)
            assertThrows(IllegalArgumentException.class, () -> new Step.MountLoop("/i", "/t", "ext4", EnumSet.of(MountFlag.NOSUID, f), null), f.name());
        var s = new Step.MountLoop("/i", "/t", "ext4", EnumSet.of(MountFlag.RDONLY, MountFlag.NODEV), null);
        assertEquals(Set.of(MountFlag.RDONLY, MountFlag.NODEV), s.flags());
        assertEquals(Arrays.asList("/i", "/t", "ext4", 5L, null), s.fields());
    }

    @Test
    void rendersLikeTheOtherMounts() {
        assertEquals("  0 MOUNT_LOOP \"/var/lib/vservers/.images/g.img\" \"/var/lib/vservers/g\" \"ext4\" NOSUID|NODEV -",
                PlanText.line(0, new Step.MountLoop("/var/lib/vservers/.images/g.img", "/var/lib/vservers/g", "ext4",
                        EnumSet.of(MountFlag.NODEV, MountFlag.NOSUID), null)));
        assertEquals("  7 MOUNT_LOOP \"/i\" \"/t\" \"ext4\" 0 \"errors=remount-ro\"",
                PlanText.line(7, new Step.MountLoop("/i", "/t", "ext4", Set.of(), "errors=remount-ro")));
    }

    @Test
    void encodesAsSssMs() {
        byte[] plan = PlanWriter.write(Plan.builder().add(new Step.MountLoop("/img", "/mnt", "ext4", EnumSet.of(MountFlag.RDONLY), null)).build());
        ByteBuffer b = ByteBuffer.allocate(16 + 8 + 3 * 12 + 8 + 4).order(ByteOrder.nativeOrder());
        b.putInt(PlanWriter.MAGIC).putShort((short) 1).putShort((short) 0).putInt(b.capacity()).putInt(1);
        b.putInt(b.capacity() - 16).putShort((short) 49).putShort((short) 0);
        b.putInt(4).put("/img".getBytes()).putInt(0);  // string, NUL, padded to 4
        b.putInt(4).put("/mnt".getBytes()).putInt(0);
        b.putInt(4).put("ext4".getBytes()).putInt(0);
        b.putLong(MountFlag.RDONLY.bit());
        b.putInt(-1);                                  // data: NULL
        assertArrayEquals(b.array(), plan);
    }
}
