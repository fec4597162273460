# shellcheck shell=bash
# What the install tests share: meson install of the build under test into
# a folder, and the build's install directories.

# install_into DESTDIR: installs the build ($AUTHKEEP_BUILD_ROOT) as it is,
# without rebuilding, and sets the absolute install directories of its
# options (dir_prefix, dir_bindir, dir_sbindir, dir_libdir, dir_libexecdir,
# dir_includedir, dir_datadir, dir_mandir, dir_sysconfdir) and the
# project's version (project_version).
install_into() {
	meson install -C "$AUTHKEEP_BUILD_ROOT" --no-rebuild --quiet --destdir "$1" >"$T/install.log" 2>&1 ||
		fail "meson install: $(tail -n 5 "$T/install.log")"
	eval "$(python3 - "$AUTHKEEP_BUILD_ROOT/meson-info" <<'PY'
import json, os, shlex, sys
info = sys.argv[1]
opts = {o["name"]: o["value"] for o in json.load(open(os.path.join(info, "intro-buildoptions.json")))}
for name in ("prefix", "bindir", "sbindir", "libdir", "libexecdir", "includedir", "datadir",
             "mandir", "sysconfdir"):
    v = opts[name]
    print("dir_%s=%s" % (name, shlex.quote(os.path.join(opts["prefix"], v))))
version = json.load(open(os.path.join(info, "intro-projectinfo.json")))["version"]
print("project_version=%s" % shlex.quote(version))
PY
	)"
}
