#!/usr/bin/env python3
"""check-ci.py - lint the files that only GitHub Actions, OSS-Fuzz and
ClusterFuzzLite run, since none of them runs here.

Checked:
  .github/workflows/*.yml   YAML; a name, triggers and jobs; each job a runner
                            and steps, each step one of run/uses; every action
                            pinned to a version; every ${{ matrix.X }} defined
                            by the job's matrix; every script a run line names
                            exists and is executable, unless the line tests
                            for it first ([ -x FILE ], [ -f FILE ], [ -e FILE ])
                            and so skips when it is absent; every --preset a
                            configure preset of CMakePresets.json, every
                            --label a test label, every check-oss-fuzz.sh
                            --config one it knows; the ClusterFuzzLite actions'
                            language, mode and sanitizer agree with
                            .clusterfuzzlite/project.yaml and
                            scripts/oss-fuzz/project.yaml.
  scripts/oss-fuzz/project.yaml, .clusterfuzzlite/project.yaml
                            YAML; language c; sanitizers and engines the
                            build supports; main_repo is the URL the OSS-Fuzz
                            Dockerfile clones.
  scripts/oss-fuzz/Dockerfile, .clusterfuzzlite/Dockerfile
                            FROM an OSS-Fuzz base-builder image; every COPY
                            source exists in the build context; build.sh is
                            copied to $SRC.
  .clusterfuzzlite/build.sh runs scripts/oss-fuzz/build.sh, which exists.

--self-test breaks a copy of those files in one way at a time and fails
unless each break is reported.

Exit status: 0 clean (warnings allowed); 1 errors; 2 usage error or no YAML
parser (apt-get install python3-yaml).
"""
import glob
import os
import re
import shutil
import sys
import tempfile

PROG = "check-ci"
SANITIZERS = {"address", "undefined", "memory"}
ENGINES = {"libfuzzer", "afl", "honggfuzz"}
CFLITE_MODES = {"code-change", "batch", "prune", "coverage"}
ACTION_PIN = re.compile(r"^[^@\s]+@[A-Za-z0-9._-]+$")
MATRIX_REF = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}")
# Paths a run line can name: the project's scripts and test helpers.
PATH_REF = re.compile(r"(?<![\w./-])(?:\./)?((?:scripts|tests|\.ci)/[A-Za-z0-9_./-]+)")
GUARD = r"\[\s+(?:!\s+)?-[xfe]\s+\"?(?:\./)?{path}\"?\s+\]"


class Lint:
    def __init__(self, root):
        self.root = root
        self.errors = []
        self.warnings = []
        self.files = 0

    def error(self, where, msg):
        if f"{where}: {msg}" not in self.errors:
            self.errors.append(f"{where}: {msg}")

    def warn(self, where, msg):
        if f"{where}: {msg}" not in self.warnings:
            self.warnings.append(f"{where}: {msg}")

    def rel(self, path):
        return os.path.relpath(path, self.root)

    def load(self, path):
        import yaml
        self.files += 1
        try:
            with open(path, encoding="utf-8") as f:
                return yaml.safe_load(f)
        except (OSError, yaml.YAMLError) as e:
            self.error(self.rel(path), f"does not parse: {e}".replace("\n", " "))
            return None

    # ---------------------------------------------------------- the tree --

    def presets(self):
        import json
        try:
            with open(os.path.join(self.root, "CMakePresets.json"), encoding="utf-8") as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            self.error("CMakePresets.json", f"does not parse: {e}")
            return set()
        return {p["name"] for p in data.get("configurePresets", []) if not p.get("hidden")}

    def labels(self):
        """The ctest labels the CMake files give, as scripts/test.sh reads them."""
        found = {"sim", "threads"}
        for path in glob.glob(os.path.join(self.root, "**", "CMakeLists.txt"), recursive=True) + \
                glob.glob(os.path.join(self.root, "cmake", "*.cmake")):
            if "/build/" in path:
                continue
            with open(path, encoding="utf-8") as f:
                for m in re.finditer(r'LABELS +"?([a-z; ]+)', f.read()):
                    found.update(w for w in re.split(r"[; ]+", m.group(1)) if w)
        return found

    def oss_fuzz_configs(self):
        path = os.path.join(self.root, "scripts", "check-oss-fuzz.sh")
        try:
            with open(path, encoding="utf-8") as f:
                m = re.search(r"^all_configs=\(([^)]*)\)", f.read(), re.M)
        except OSError:
            return set()
        return set(m.group(1).split()) if m else set()

    # ------------------------------------------------------- run commands --

    def check_command(self, where, text, presets, labels, configs):
        for m in PATH_REF.finditer(text):
            path = m.group(1).rstrip(".")
            full = os.path.join(self.root, path)
            guarded = re.search(GUARD.format(path=re.escape(path)), text)
            if os.path.isfile(full):
                run_by = re.search(r"\b(?:bash|sh|python3)\s+(?:\./)?" + re.escape(path), text)
                if not os.access(full, os.X_OK) and not run_by:
                    self.error(where, f"{path} is not executable")
            elif guarded:
                self.warn(where, f"{path} does not exist yet: the step skips it")
            else:
                self.error(where, f"names {path}, which does not exist")
        for m in re.finditer(r"--preset[ =]([A-Za-z0-9_-]+)", text):
            if m.group(1) not in presets:
                self.error(where, f"--preset {m.group(1)} is not a configure preset of CMakePresets.json")
        for m in re.finditer(r"--label[ =]'?([A-Za-z0-9_|^$-]+)'?", text):
            pattern = m.group(1)
            if not any(re.search(pattern, lab) for lab in labels):
                self.error(where, f"--label {pattern} matches no test label ({', '.join(sorted(labels))})")
        if "check-oss-fuzz.sh" in text:
            for m in re.finditer(r"--config[ =]([A-Za-z0-9+_-]+)", text):
                if m.group(1) not in configs:
                    self.error(where, f"check-oss-fuzz.sh knows no configuration {m.group(1)}")

    # ---------------------------------------------------------- workflows --

    def check_workflow(self, path, ctx):
        where = self.rel(path)
        wf = self.load(path)
        if wf is None:
            return
        if not isinstance(wf, dict):
            self.error(where, "is not a mapping")
            return
        if not wf.get("name"):
            self.error(where, "has no name")
        # YAML 1.1 reads a bare 'on' key as true.
        if not (wf.get("on") or wf.get(True)):
            self.error(where, "has no triggers ('on')")
        jobs = wf.get("jobs")
        if not isinstance(jobs, dict) or not jobs:
            self.error(where, "has no jobs")
            return
        for jname, job in jobs.items():
            self.check_job(f"{where}: job {jname}", job, jobs, ctx)

    def check_job(self, where, job, jobs, ctx):
        if not isinstance(job, dict):
            self.error(where, "is not a mapping")
            return
        if "runs-on" not in job:
            self.error(where, "has no runs-on")
        needs = job.get("needs", [])
        for n in [needs] if isinstance(needs, str) else needs:
            if n not in jobs:
                self.error(where, f"needs '{n}', which is no job of the workflow")
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        keys = {k for k in matrix if k not in ("include", "exclude")}
        combos = [{}]
        for entry in matrix.get("include", []) or []:
            keys.update(entry)
        if matrix.get("include"):
            combos = [dict(e) for e in matrix["include"]]
        for k in keys - {"include", "exclude"}:
            if k in matrix and isinstance(matrix[k], list):
                combos = [dict(c, **{k: v}) for c in combos for v in matrix[k]]
        steps = job.get("steps")
        if not isinstance(steps, list) or not steps:
            self.error(where, "has no steps")
            return
        text_all = repr(job)
        for ref in MATRIX_REF.findall(text_all):
            if ref not in keys:
                self.error(where, f"uses matrix.{ref}, which its matrix does not define")
        for i, step in enumerate(steps, 1):
            swhere = f"{where}, step {i} ({step.get('name', '?') if isinstance(step, dict) else '?'})"
            if not isinstance(step, dict):
                self.error(swhere, "is not a mapping")
                continue
            if ("run" in step) == ("uses" in step):
                self.error(swhere, "needs exactly one of run and uses")
                continue
            if "uses" in step:
                self.check_action(swhere, step, combos, ctx)
                continue
            for combo in combos:
                text = MATRIX_REF.sub(lambda m: str(combo.get(m.group(1), "")), str(step["run"]))
                self.check_command(swhere, text, ctx["presets"], ctx["labels"], ctx["configs"])

    def check_action(self, where, step, combos, ctx):
        uses = step["uses"]
        if not uses.startswith("./") and not ACTION_PIN.match(uses):
            self.error(where, f"action '{uses}' is not pinned to a version (@v1, a tag or a commit)")
        if "clusterfuzzlite/actions/" not in uses:
            return
        inputs = step.get("with") or {}
        for combo in combos:
            def val(key, default=None):
                v = inputs.get(key, default)
                return MATRIX_REF.sub(lambda m: str(combo.get(m.group(1), "")), str(v)) if v is not None else None
            lang = val("language")
            if uses.split("@")[0].endswith("build_fuzzers") and lang != ctx["cflite_language"]:
                self.error(where, f"language '{lang}' is not .clusterfuzzlite/project.yaml's "
                           f"'{ctx['cflite_language']}'")
            san = val("sanitizer", "address")
            if san not in ctx["sanitizers"] | {"coverage"}:
                self.error(where, f"sanitizer '{san}' is not listed in scripts/oss-fuzz/project.yaml")
            mode = val("mode")
            if mode is not None and mode not in CFLITE_MODES:
                self.error(where, f"mode '{mode}' is not one of {', '.join(sorted(CFLITE_MODES))}")
            secs = val("fuzz-seconds")
            if secs is not None and not str(secs).isdigit():
                self.error(where, f"fuzz-seconds '{secs}' is not a number of seconds")

    # -------------------------------------------- OSS-Fuzz, ClusterFuzzLite --

    def check_dockerfile(self, path, context, where_build):
        where = self.rel(path)
        self.files += 1
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().replace("\\\n", " ").splitlines()
        except OSError:
            self.error(where, "is missing")
            return None
        froms = [ln.split()[1] for ln in lines if ln.upper().startswith("FROM ")]
        if not froms or not froms[0].startswith("gcr.io/oss-fuzz-base/base-builder"):
            self.error(where, "does not start FROM gcr.io/oss-fuzz-base/base-builder")
        copied_build = False
        for ln in lines:
            if not ln.upper().startswith("COPY "):
                continue
            words = ln.split()[1:]
            for src in words[:-1]:
                if not os.path.exists(os.path.join(context, src)):
                    self.error(where, f"COPY {src}: no such file in its build context {self.rel(context)}/")
            if words and words[-1].rstrip("/") == "$SRC" and words[0] == where_build:
                copied_build = True
        if not copied_build:
            self.error(where, f"does not copy {where_build} to $SRC")
        clone = [m.group(1) for ln in lines for m in [re.search(r"git clone .*?(\S+://\S+)", ln)] if m]
        return clone[0] if clone else None

    def check_projects(self, ctx):
        oss = os.path.join(self.root, "scripts", "oss-fuzz")
        cfl = os.path.join(self.root, ".clusterfuzzlite")
        proj = self.load(os.path.join(oss, "project.yaml")) or {}
        where = "scripts/oss-fuzz/project.yaml"
        if proj.get("language") != "c":
            self.error(where, f"language is '{proj.get('language')}', not c")
        sans = set(proj.get("sanitizers") or [])
        engines = set(proj.get("fuzzing_engines") or [])
        if not sans or sans - SANITIZERS:
            self.error(where, f"sanitizers {sorted(sans)}: the build has {sorted(SANITIZERS)}")
        if not engines or engines - ENGINES:
            self.error(where, f"fuzzing_engines {sorted(engines)}: the build has {sorted(ENGINES)}")
        for key in ("homepage", "main_repo", "primary_contact"):
            if not proj.get(key):
                self.error(where, f"has no {key}")
        ctx["sanitizers"] = sans
        url = self.check_dockerfile(os.path.join(oss, "Dockerfile"), oss, "build.sh")
        if url != proj.get("main_repo"):
            self.error("scripts/oss-fuzz/Dockerfile", f"clones {url}, project.yaml's main_repo is "
                       f"{proj.get('main_repo')}")
        if "example.org" in str(proj.get("main_repo")):
            self.warn(where, "main_repo is a placeholder: set the public URL (and the Dockerfile's) "
                      "before submitting to OSS-Fuzz")
        cproj = self.load(os.path.join(cfl, "project.yaml")) or {}
        ctx["cflite_language"] = cproj.get("language")
        if cproj.get("language") != "c":
            self.error(".clusterfuzzlite/project.yaml", f"language is '{cproj.get('language')}', not c")
        self.check_dockerfile(os.path.join(cfl, "Dockerfile"), self.root, ".clusterfuzzlite/build.sh")
        for build in (os.path.join(oss, "build.sh"), os.path.join(cfl, "build.sh")):
            if not os.access(build, os.X_OK):
                self.error(self.rel(build), "is missing or not executable")
        try:
            with open(os.path.join(cfl, "build.sh"), encoding="utf-8") as f:
                if "scripts/oss-fuzz/build.sh" not in f.read():
                    self.error(".clusterfuzzlite/build.sh", "does not run scripts/oss-fuzz/build.sh")
        except OSError:
            pass

    def run(self):
        ctx = {"presets": self.presets(), "labels": self.labels(),
               "configs": self.oss_fuzz_configs(), "sanitizers": set(), "cflite_language": None}
        self.check_projects(ctx)
        workflows = sorted(glob.glob(os.path.join(self.root, ".github", "workflows", "*.yml")) +
                           glob.glob(os.path.join(self.root, ".github", "workflows", "*.yaml")))
        if not workflows:
            self.error(".github/workflows", "has no workflow")
        for path in workflows:
            self.check_workflow(path, ctx)
        return not self.errors


def lint(root, quiet=False):
    ln = Lint(root)
    ok = ln.run()
    if not quiet:
        for w in ln.warnings:
            print(f"{PROG}: warning: {w}")
        for e in ln.errors:
            print(f"{PROG}: error: {e}")
    return ok, ln


# The breaks --self-test makes, one per copy: (what, file, old text, new text).
BREAKS = [
    ("a workflow that does not parse", ".github/workflows/sanitizers.yml", "jobs:", "jobs: [:"),
    ("a script that does not exist", ".github/workflows/sanitizers.yml",
     "./scripts/test.sh --preset debug", "./scripts/no-such-script.sh"),
    ("a preset that does not exist", ".github/workflows/sanitizers.yml",
     "--preset debug", "--preset no-such-preset"),
    ("a label that matches no test", ".github/workflows/sanitizers.yml",
     "--label corpus", "--label no-such-label"),
    ("a coverage job naming a missing script", ".github/workflows/sanitizers.yml",
     "bash -c ./scripts/coverage.sh", "bash -c ./scripts/coverage-report.sh"),
    ("an undefined matrix key", ".github/workflows/cflite-pr.yml",
     "sanitizer: ${{ matrix.sanitizer }}", "sanitizer: ${{ matrix.sanitiser }}"),
    ("a sanitizer the project does not list", ".github/workflows/cflite-batch.yml",
     "sanitizer: [address, undefined, memory]", "sanitizer: [address, thread]"),
    ("an unpinned action", ".github/workflows/cflite-pr.yml",
     "build_fuzzers@v1", "build_fuzzers"),
    ("a Dockerfile copying a missing file", ".clusterfuzzlite/Dockerfile",
     "COPY .clusterfuzzlite/build.sh", "COPY .clusterfuzzlite/no-such-build.sh"),
    ("an engine the build does not have", "scripts/oss-fuzz/project.yaml",
     "  - honggfuzz", "  - centipede"),
    ("main_repo and the clone disagreeing", "scripts/oss-fuzz/project.yaml",
     'main_repo: "', 'main_repo: "x'),
]


def self_test(root):
    failed = 0
    ok, ln = lint(root, quiet=True)
    if not ok:
        print(f"{PROG}: self-test: the tree itself has errors; run {PROG} first")
        return False
    with tempfile.TemporaryDirectory() as tmp:
        for what, rel, old, new in BREAKS:
            copy = os.path.join(tmp, "tree")
            shutil.rmtree(copy, ignore_errors=True)
            os.makedirs(copy)
            for d in (".github", ".clusterfuzzlite", "scripts", "tests", ".ci", "cmake", "harness"):
                src = os.path.join(root, d)
                if os.path.isdir(src):
                    shutil.copytree(src, os.path.join(copy, d), symlinks=True,
                                    ignore=shutil.ignore_patterns("build", "run"))
            for f in ("CMakePresets.json", "CMakeLists.txt"):
                shutil.copy2(os.path.join(root, f), copy)
            path = os.path.join(copy, rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if old not in text:
                print(f"{PROG}: self-test: cannot make '{what}': '{old}' is not in {rel}")
                failed += 1
                continue
            with open(path, "w", encoding="utf-8") as f:
                f.write(text.replace(old, new, 1))
            ok, ln = lint(copy, quiet=True)
            if ok:
                print(f"{PROG}: self-test: FAIL: {what} ({rel}) was not reported")
                failed += 1
            else:
                print(f"{PROG}: self-test: ok: {what}: {ln.errors[0]}")
    print(f"{PROG}: self-test: {len(BREAKS) - failed} passed, {failed} failed")
    return failed == 0


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mode = "lint"
    for a in argv:
        if a in ("-h", "--help"):
            print(__doc__.strip().replace("check-ci.py - ", "usage: scripts/check-ci.py [--self-test] [--help]\n\n", 1))
            return 0
        if a == "--self-test":
            mode = "self-test"
        else:
            print(f"{PROG}: unknown argument '{a}'\n{PROG}: try --help", file=sys.stderr)
            return 2
    try:
        import yaml  # noqa: F401
    except ImportError:
        print(f"{PROG}: no YAML parser: apt-get install -y python3-yaml", file=sys.stderr)
        return 2
    if mode == "self-test":
        return 0 if self_test(root) else 1
    ok, ln = lint(root)
    print(f"{PROG}: {ln.files} files checked: {len(ln.errors)} error(s), {len(ln.warnings)} warning(s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
