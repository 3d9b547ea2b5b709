package org.vserver.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ErrnoTest {
    private static ErrnoException failed(int errno) {
        return new ErrnoException("open", "/etc/x", errno, LinuxSyscalls.strerror(errno));
    }

    @Test
    void translateGivesTheJdkTypeOfTheErrnoWithTheMessageAndTheCause() {
        ErrnoException e = failed(Errno.ENOENT);
        FileSystemException x = Errno.translate(e);
        assertInstanceOf(NoSuchFileException.class, x);
        assertEquals("/etc/x", x.getFile());
        assertEquals(e.getMessage(), x.getReason());
        assertSame(e, x.getCause());
        assertInstanceOf(AccessDeniedException.class, Errno.translate(failed(Errno.EACCES)));
        assertInstanceOf(AccessDeniedException.class, Errno.translate(failed(Errno.EPERM)));
        assertInstanceOf(FileAlreadyExistsException.class, Errno.translate(failed(Errno.EEXIST)));
        assertEquals(FileSystemException.class, Errno.translate(failed(Errno.EBUSY)).getClass());
    }

    @Test
    void ofReadsTheErrnoBackFromEveryKindOfIoFailure() {
        assertEquals(Errno.EBUSY, Errno.of(failed(Errno.EBUSY)));
        for (int n : new int[] {Errno.ENOENT, Errno.EACCES, Errno.EEXIST, Errno.EBUSY})
            assertEquals(n, Errno.of(Errno.translate(failed(n))), Errno.name(n));
        assertEquals(Errno.ESRCH, Errno.of(new IOException("No such process")), "the JDK's read(2) failure of an exiting /proc/PID");
        assertEquals(0, Errno.of(new IOException("something else")));
        assertEquals(0, Errno.of(new IOException()));
    }

    @Test
    void aJdkFileFailureIsKnownByItsType(@TempDir Path dir) {
        try {
            Files.readString(dir.resolve("missing"));
        } catch (IOException e) {
            assertEquals(Errno.ENOENT, Errno.of(e));
            return;
        }
        throw new AssertionError("read of a missing file succeeded");
    }
}
