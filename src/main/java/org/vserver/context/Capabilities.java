package org.vserver.context;

import org.vserver.config.GuestConfig;

import static org.vserver.kernel.Capability.*;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.vserver.config.ContextCapability;
import org.vserver.config.GuestConfig.CapabilityChange;
import org.vserver.config.GuestConfig.Change;
import org.vserver.config.GuestConfig.ContextCapabilityChange;
import org.vserver.kernel.Capability;

/**
 * The guest's capability bounding set: VServer's secure default (vserver.md §4.4) adjusted by
 * {@code bcapabilities}, and its context capabilities: VServer's default adjusted by {@code ccapabilities}.
 *
 * <p>Two of VServer's defaults are dropped here, because without VServer's kernel they open
 * escapes: DAC_READ_SEARCH permits open_by_handle_at(2) ("Shocker", security.md §4.6) through any
 * host filesystem a guest sees (the shared /usr of the host build method is one), and SYS_PTRACE
 * lets guest root ptrace a host process while it joins the guest (CVE-2016-9962 class: the
 * launcher still holds full capabilities until its last steps). An admin who accepts that can add
 * them back in {@code bcapabilities}.
 *
 * <p>AUDIT_WRITE, also in VServer's default, is dropped for the same reason: without a user
 * namespace the kernel's audit_netlink_ok() checks it in the initial user namespace, so guest root
 * could send AUDIT_USER records ({@code op=login acct="root" res=success}) that the host's audit
 * log keeps under a host pid, indistinguishable from the host's own logins. Podman's default set
 * leaves it out as well; libpam ignores the EPERM, sudo warns and goes on. {@code bcapabilities}
 * can add it back, and start then warns ({@link #FORGES_HOST_RECORDS}).
 */
public final class Capabilities {

    /** CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID NET_BIND_SERVICE SYS_CHROOT SYS_TTY_CONFIG LEASE SETFCAP SYS_BOOT. */
    public static final Set<Capability> SECURE_DEFAULT = Set.copyOf(EnumSet.of(
            CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, NET_BIND_SERVICE, SYS_CHROOT,
            SYS_TTY_CONFIG, LEASE, SETFCAP,
            SYS_BOOT)); // reboot(2) in a guest's pid namespace only ends that guest's init

    /**
     * Capabilities a guest may be given only with a warning at every start: guest root is the
     * host's uid 0 in the host's user namespace, so with AUDIT_WRITE its audit records pass for the host's.
     */
    public static final Set<Capability> FORGES_HOST_RECORDS = Set.of(AUDIT_WRITE);

    /**
     * VServer's secure default context capabilities. Of these only RAW_ICMP does something on
     * mainline; {@link ContextCapability} says why the others do not.
     */
    public static final Set<ContextCapability> DEFAULT_CCAPS = Set.copyOf(EnumSet.of(
            ContextCapability.SET_UTSNAME, ContextCapability.RAW_ICMP, ContextCapability.AUDIT_CONTROL));

    private Capabilities() {}

    /** The default context capabilities with {@code ccapabilities} applied. */
    public static Set<ContextCapability> context(List<ContextCapabilityChange> changes) {
        return applied(DEFAULT_CCAPS, changes);
    }

    /** The secure default bounding set with {@code bcapabilities} applied. */
    public static Set<Capability> bounding(List<CapabilityChange> changes) {
        return applied(SECURE_DEFAULT, changes);
    }

    /**
     * The guest's bounding set: {@link #bounding(List)}, and for a systemd guest in a user namespace
     * SYS_ADMIN and SETPCAP as defaults: its units' sandboxing (PrivateTmp, ProtectSystem) makes
     * mount namespaces, and each unit's CapabilityBoundingSet= is a PR_CAPBSET_DROP, which needs
     * SETPCAP (without it journald and logind exit 218/CAPABILITIES). nspawn and Incus give both. It counts in the guest's own user namespace only,
     * where the kernel keeps the mounts it inherited locked; a guest without one never gets it by
     * default. {@code bcapabilities} can still take it away ({@code !SYS_ADMIN}).
     */
    public static Set<Capability> bounding(GuestConfig cfg) {
        Set<Capability> defaults = SECURE_DEFAULT;
        if (InitStyle.SYSTEMD.equals(cfg.init().style()) && !cfg.userns().disabled()) {
            EnumSet<Capability> s = EnumSet.copyOf(SECURE_DEFAULT);
            s.add(SYS_ADMIN);
            s.add(SETPCAP);
            defaults = s;
        }
        return applied(defaults, cfg.bcapabilities());
    }

    /** {@code defaults} (not empty) with the changes applied in file order: a later line wins. */
    private static <C extends Enum<C>> Set<C> applied(Set<C> defaults, List<? extends Change<C>> changes) {
        EnumSet<C> set = EnumSet.copyOf(defaults);
        for (Change<C> c : changes) {
            if (c.add()) set.add(c.capability());
            else set.remove(c.capability());
        }
        return set;
    }
}
