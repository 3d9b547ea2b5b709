package org.vserver.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Guest text on its way to a terminal, with the terminal's control characters made visible as
 * {@code cat -v} shows them ({@code ^[} for ESC): C0 controls other than newline, tab and carriage
 * return, DEL, and the C1 controls (U+0080..U+009F, {@code 0xC2 0x80..0x9F} in UTF-8), which some
 * terminals take as CSI. A guest could otherwise set titles, remap keys or answer-back through
 * the admin's terminal. Everything else, UTF-8 text included, passes unchanged.
 */
final class ControlEscapes extends FilterOutputStream {
    private boolean pendingC2;        // 0xC2 seen: the next byte decides whether it starts a C1 control

    ControlEscapes(OutputStream out) { super(out); }

    @Override
    public void write(int b) throws IOException {
        b &= 0xff;
        if (pendingC2) {
            pendingC2 = false;
            if (b >= 0x80 && b <= 0x9f) {
                out.write('^');
                out.write('[');         // C1 x is ESC (x - 0x40): show it as the ESC it stands for
                out.write(b - 0x40);
                return;
            }
            out.write(0xc2);
        }
        if (b == 0xc2) pendingC2 = true;
        else if ((b < 0x20 && b != '\n' && b != '\t' && b != '\r') || b == 0x7f) {
            out.write('^');
            out.write(b ^ 0x40);
        } else out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int i = off; i < off + len; i++) write(b[i]);
    }

    @Override
    public void close() throws IOException {
        if (pendingC2) out.write(0xc2);
        pendingC2 = false;
        super.close();
    }

    @Override
    public void flush() throws IOException {
        // a lone 0xC2 at the end of what there is stays pending: its next byte may still come (--follow)
        out.flush();
    }
}
