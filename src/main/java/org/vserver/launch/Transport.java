package org.vserver.launch;

import java.io.IOException;

/** How the launcher was started and how its two channels are reached. */
interface Transport {
    int pid();

    /** Writes to the plan channel (fd 3). */
    void write(byte[] bytes) throws IOException;

    /** Reads from the status channel (fd 4); 0 at EOF. */
    int read(byte[] buf, int off, int len) throws IOException;

    /** Closes our ends of both channels. */
    void closeChannels();

    void kill();

    /** Waits for the launcher and returns its exit code (128 + signal if killed). */
    int waitFor() throws IOException;
}
