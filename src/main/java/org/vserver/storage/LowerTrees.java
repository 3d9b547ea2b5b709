package org.vserver.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The lower trees of one vdirbase ({@code BASE/.lower/ID}) and which guests use them. A lower tree
 * is shared by a unified guest and its clones; it is removed when the last guest naming it goes.
 * Who names what is only in the guests' {@code .private/NAME/lower} links: nothing to get out of date.
 */
public final class LowerTrees {
    private final Path base;

    public LowerTrees(Path base) { this.base = base; }

    /** The guests (by private directory name) whose lower link names tree {@code id}. */
    public List<String> users(String id) throws IOException {
        List<String> users = new ArrayList<>();
        Path priv = base.resolve(StorageLayout.PRIVATE);
        if (!Files.isDirectory(priv, LinkOption.NOFOLLOW_LINKS)) return users;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(priv)) {
            for (Path p : ds) {
                var l = new StorageLayout(base, p.getFileName().toString());
                try {
                    if (Layering.lowerId(l).filter(id::equals).isPresent()) users.add(l.name());
                } catch (IOException foreignLink) {
                    // not one of ours: uses no tree of ours
                }
            }
        }
        users.sort(null);
        return users;
    }

    /** The lower trees no guest names. */
    public Set<String> unused() throws IOException {
        Set<String> ids = new TreeSet<>();
        Path lowers = base.resolve(StorageLayout.LOWERS);
        if (!Files.isDirectory(lowers, LinkOption.NOFOLLOW_LINKS)) return ids;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(lowers)) {
            for (Path p : ds) if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) ids.add(p.getFileName().toString());
        }
        Path priv = base.resolve(StorageLayout.PRIVATE);
        if (Files.isDirectory(priv, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(priv)) {
                for (Path p : ds) {
                    try {
                        Layering.lowerId(new StorageLayout(base, p.getFileName().toString())).ifPresent(ids::remove);
                    } catch (IOException foreignLink) {
                        // names none of ours
                    }
                }
            }
        }
        return ids;
    }

    /**
     * An exclusive lock on the vdirbase's lower trees: held while a guest starts naming a tree (a
     * clone) and while unused trees are collected, so a tree is never removed under a new user.
     */
    public Closeable lock() throws IOException {
        Layering.createPrivate(base.resolve(StorageLayout.LOWERS));
        FileChannel ch = FileChannel.open(base.resolve(StorageLayout.LOWERS).resolve(".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            ch.lock();
            return ch::close;            // closing the channel releases the lock
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }
}
