"""Where each dev-set project's source comes from, and fetching it into the bench cache.

Every project is a pinned package from a registry, fetched with that registry's
own client: an sdist with `pip download`, an npm tarball with `npm pack`, a Debian
`golang-*-dev` package with `apt-get download` (unpacked with `dpkg-deb -x`).
The tasks in `tasks/` name files relative to the project's `root` folder inside it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent.parent / ".cache" / "bench-src" / "context-sets"

# name: (language, client, package spec, root folder inside the unpacked package)
PROJECTS = {
    "rich": ("python", "pip", "rich==14.1.0", "rich-14.1.0"),
    "requests": ("python", "pip", "requests==2.32.5", "requests-2.32.5"),
    "cattrs": ("python", "pip", "cattrs==25.1.1", "cattrs-25.1.1"),
    "pygls": ("python", "pip", "pygls==2.1.1", "pygls-2.1.1"),
    "jinja2": ("python", "pip", "Jinja2==3.1.4", "jinja2-3.1.4"),
    "rxjs": ("typescript", "npm", "rxjs@7.8.2", "package/src"),
    "immer": ("typescript", "npm", "immer@11.2.10", "package/src"),
    "query-core": ("typescript", "npm", "@tanstack/query-core@5.108.0", "package/src"),
    "go-cmp": ("go", "deb", "golang-github-google-go-cmp-dev=0.5.9-1", "usr/share/gocode/src/github.com/google/go-cmp"),
    "hcl": ("go", "deb", "golang-github-hashicorp-hcl-dev=1.0.0-1.1", "usr/share/gocode/src/github.com/hashicorp/hcl"),
    "go-toml": ("go", "deb", "golang-github-pelletier-go-toml.v2-dev=2.0.6-1",
                "usr/share/gocode/src/github.com/pelletier/go-toml/v2"),
    "afero": ("go", "deb", "golang-github-spf13-afero-dev=1.9.3-1", "usr/share/gocode/src/github.com/spf13/afero"),
    "viper": ("go", "deb", "golang-github-spf13-viper-dev=1.10.1-1", "usr/share/gocode/src/github.com/spf13/viper"),
}
# Never tuned on: checked once at the end of a change (`context_eval.py --held-out`).
HELD_OUT = {
    "click": ("python", "pip", "click==8.1.7", "click-8.1.7"),
    "mobx": ("typescript", "npm", "mobx@6.13.7", "package/src"),
    "cobra": ("go", "deb", "golang-github-spf13-cobra-dev=1.6.1-1", "usr/share/gocode/src/github.com/spf13/cobra"),
    "mux": ("go", "deb", "golang-github-gorilla-mux-dev=1.8.0-1", "usr/share/gocode/src/github.com/gorilla/mux"),
}
# Added later and measured once before any engine change made after them
# (`context_eval.py --new-held-out`); the four above were looked at once their
# first figures were in, so these are the honest held-out figure now. (spf13/pflag
# was mined too but gave only 17 tasks, under the 30 a project needs: dropped.)
NEW_HELD_OUT = {
    "httpx": ("python", "pip", "httpx==0.27.2", "httpx-0.27.2"),
    "marshmallow": ("python", "pip", "marshmallow==3.22.0", "marshmallow-3.22.0"),
    "redux-toolkit": ("typescript", "npm", "@reduxjs/toolkit@2.2.7", "package/src"),
    "table-core": ("typescript", "npm", "@tanstack/table-core@8.20.5", "package/src"),
    "logrus": ("go", "deb", "golang-github-sirupsen-logrus-dev=1.9.0-1", "usr/share/gocode/src/github.com/sirupsen/logrus"),
    "urfave-cli": ("go", "deb", "golang-github-urfave-cli-v2-dev=2.3.0-2", "usr/share/gocode/src/github.com/urfave/cli/v2"),
    "gin": ("go", "deb", "golang-github-gin-gonic-gin-dev=1.8.1-1", "usr/share/gocode/src/github.com/gin-gonic/gin"),
}
# Added at stop 36, when the set above had been traced; measured once there (main's code, failures not
# traced). The next change is checked on these once it has passed on dev (`--fresh-held-out`).
# (mitchellh/mapstructure was mined too but gave 13 tasks, under the 30 a project needs: dropped.)
FRESH_HELD_OUT = {
    "werkzeug": ("python", "pip", "Werkzeug==3.0.4", "werkzeug-3.0.4"),
    "attrs": ("python", "pip", "attrs==24.2.0", "attrs-24.2.0"),
    "trpc-server": ("typescript", "npm", "@trpc/server@10.45.2", "package/src"),
    "form-core": ("typescript", "npm", "@tanstack/form-core@0.33.0", "package/src"),
    "cast": ("go", "deb", "golang-github-spf13-cast-dev=1.5.0-2", "usr/share/gocode/src/github.com/spf13/cast"),
    "testify": ("go", "deb", "golang-github-stretchr-testify-dev=1.8.1-1", "usr/share/gocode/src/github.com/stretchr/testify"),
}
PROJECTS.update(HELD_OUT)
PROJECTS.update(NEW_HELD_OUT)
PROJECTS.update(FRESH_HELD_OUT)
DEV_PROJECTS = [name for name in PROJECTS if name not in {**HELD_OUT, **NEW_HELD_OUT, **FRESH_HELD_OUT}]


def chosen_projects(held_out: bool = False, new_held_out: bool = False, fresh_held_out: bool = False) -> list[str]:
    """The projects a bench's set flags name: one held-out set, or the dev set where none is set."""
    return list(HELD_OUT if held_out else NEW_HELD_OUT if new_held_out else FRESH_HELD_OUT if fresh_held_out
                else DEV_PROJECTS)


def source_root(name: str) -> Path:
    """The project's source folder, fetched and unpacked on first use."""
    language, client, spec, root = PROJECTS[name]
    target = CACHE / name
    if not (target / root).is_dir():
        staging = CACHE / f"{name}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "download").mkdir(parents=True)
        _download(client, spec, staging / "download")
        (staging / "tree").mkdir()
        for archive in sorted((staging / "download").iterdir()):
            if archive.suffix == ".deb":
                subprocess.run(["dpkg-deb", "-x", str(archive), str(staging / "tree")], check=True)
            else:
                with tarfile.open(archive) as tar:
                    tar.extractall(staging / "tree", filter="data")
        shutil.rmtree(target, ignore_errors=True)
        (staging / "tree").rename(target)
        shutil.rmtree(staging)
    return target / root


def _download(client: str, spec: str, folder: Path) -> None:
    if client == "pip":
        command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", spec, "-d", "."]
    elif client == "npm":
        command = ["npm", "pack", "--silent", spec]
    else:
        command = ["apt-get", "download", spec]
    subprocess.run(command, check=True, cwd=folder, stdout=subprocess.DEVNULL)
