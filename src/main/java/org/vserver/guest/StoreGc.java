package org.vserver.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.vserver.storage.LowerTrees;
import org.vserver.storage.StorageLayout;
import org.vserver.unify.HashStore;

/**
 * What no guest uses any more: lower trees no guest's link names, then store entries no file links
 * to (link count 1). Run by {@code delete} and {@code vhashify --gc}.
 */
public final class StoreGc {
    private StoreGc() {}

    /** Totals of one collection. */
    public record Collected(int lowerTrees, long entries, long bytes) {}

    static Collected collect(Path base, List<Path> stores) throws IOException {
        int trees = 0;
        var lowers = new LowerTrees(base);
        try (var _ = lowers.lock()) {
            for (String id : lowers.unused()) {
                GuestDelete.removeTree(base.resolve(StorageLayout.LOWERS).resolve(id));
                trees++;
            }
        }
        long entries = 0, bytes = 0;
        for (Path store : stores) {
            if (!Files.isDirectory(store)) continue;
            var r = HashStore.open(store).gc();
            entries += r.entriesRemoved();
            bytes += r.bytesFreed();
        }
        return new Collected(trees, entries, bytes);
    }
}
