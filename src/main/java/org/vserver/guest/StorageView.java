package org.vserver.guest;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.vserver.context.HostPlan;
import org.vserver.context.StoragePlanner;
import org.vserver.plan.Step.Umount;
import org.vserver.storage.GuestStorage;
import org.vserver.storage.MountPoints;

/**
 * A stopped layered guest's merged tree, mounted on its root on the host for as long as a build
 * step writes into it; {@link #close} unmounts it (and its disk image). The caller holds the
 * guest's lock: overlayfs refuses a second mount of a private layer in use, and so would we.
 */
final class StorageView implements AutoCloseable {
    private final Vserver vs;
    private final GuestStorage.Layered storage;

    private StorageView(Vserver vs, GuestStorage.Layered storage) {
        this.vs = vs;
        this.storage = storage;
    }

    static StorageView mount(Vserver vs, GuestStorage.Layered storage) throws IOException {
        var view = new StorageView(vs, storage);
        try {
            new GuestStorages(vs).mountLayer(storage, Optional.empty());
            vs.launcher().runQuietly(StoragePlanner.hostView(storage));
        } catch (IOException | RuntimeException e) {
            view.close();      // what got mounted before the failure
            throw e;
        }
        return view;
    }

    @Override
    public void close() throws IOException {
        try {
            if (MountPoints.isMountPoint(vs.proc().self().resolve("mountinfo"), storage.root()))
                vs.launcher().runQuietly(HostPlan.of(List.of(new Umount(storage.root().toString(), Umount.DETACH))));
        } finally {
            new GuestStorages(vs).unmount(storage);
        }
    }
}
