#!/usr/bin/env python3
"""Oracle for tests/oracle.rs: reads `A<TAB>B` lines on stdin, writes one of `<`, `=`, `>` per line, or `!` when
the reference rejects a version, or `?` when it finds the two incomparable. One process per scheme.

usage: compare.py SCHEME   (pep440 | pep440-normalize | semver | golang | maven | nuget | gem | composer | alpine | deb | dpkg | rpm |
                           php)

pep440 uses `packaging`, semver/golang/maven/nuget/gem/composer/alpine use `univers`, deb uses `apt_pkg`
(python3-apt, dpkg's algorithm), dpkg runs `dpkg --compare-versions`, rpm uses `rpm.labelCompare` (python3-rpm), php uses PHP's version_compare.
A missing reference exits with status 3 and the install command on stderr.
"""
import subprocess
import sys

INSTALL = {
    "pep440": "pip install packaging==26.3",
    "univers": "pip install univers==32.0.1 semantic-version==2.10.0 semver==3.1.2 attrs==26.1.0",
    "deb": "apt-get install -y python3-apt  (then run this script with /usr/bin/python3)",
    "rpm": "apt-get install -y python3-rpm  (then run this script with /usr/bin/python3)",
    "php": "apt-get install -y php-cli",
    "dpkg": "apt-get install -y dpkg",
}


def missing(what, err):
    sys.stderr.write(f"oracle missing ({err}); install it with: {INSTALL[what]}\n")
    sys.exit(3)


def sign(c):
    return "<" if c < 0 else (">" if c > 0 else "=")


def compare_objects(parse):
    def cmp(a, b):
        try:
            x, y = parse(a), parse(b)
        except Exception:
            return "!"
        if x == y:
            return "="
        if x < y:
            return "<"
        if x > y:
            return ">"
        return "?"
    return cmp


def main():
    scheme = sys.argv[1]
    pairs = [line.rstrip("\n").split("\t") for line in sys.stdin]
    if scheme == "pep440":
        try:
            from packaging.version import Version
        except ImportError as e:
            missing("pep440", e)
        cmp = compare_objects(Version)
    elif scheme == "pep440-normalize":
        # one version per line (in the first column): its str(Version), or `!`
        try:
            from packaging.version import Version
        except ImportError as e:
            missing("pep440", e)

        def norm(a):
            try:
                return str(Version(a))
            except Exception:
                return "!"
        sys.stdout.write("".join(norm(p[0]) + "\n" for p in pairs))
        return
    elif scheme in ("semver", "golang", "maven", "nuget", "gem", "composer", "alpine"):
        try:
            from univers import versions as uv
        except ImportError as e:
            missing("univers", e)
        cls = {
            "semver": uv.SemverVersion,
            "golang": uv.GolangVersion,
            "maven": uv.MavenVersion,
            "nuget": uv.NugetVersion,
            "gem": uv.RubygemsVersion,
            "composer": uv.ComposerVersion,
            "alpine": uv.AlpineLinuxVersion,
        }[scheme]

        def parse(s):
            if not cls.is_valid(s):
                raise ValueError(s)
            return cls(s)
        cmp = compare_objects(parse)
    elif scheme == "deb":
        try:
            import apt_pkg
        except ImportError as e:
            missing("deb", e)
        apt_pkg.init_system()

        def cmp(a, b):
            return sign(apt_pkg.version_compare(a, b))
    elif scheme == "rpm":
        try:
            import rpm
        except ImportError as e:
            missing("rpm", e)

        def evr(s):
            e, _, rest = s.rpartition(":") if ":" in s else ("", "", s)
            v, _, r = rest.rpartition("-") if "-" in rest else (rest, "", "")
            return (e or "0", v, r)

        def cmp(a, b):
            try:
                return sign(rpm.labelCompare(evr(a), evr(b)))
            except ValueError:
                return "!"
    elif scheme == "dpkg":
        # dpkg itself, one bash process looping over the pairs (dpkg runs once or twice per pair).
        loop = (
            'while IFS=$\'\\t\' read -r a b; do dpkg --compare-versions "$a" lt "$b" 2>/dev/null; r=$?; '
            'if [ $r = 0 ]; then echo "<"; elif [ $r = 1 ]; then '
            'if dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo "="; else echo ">"; fi; '
            'else echo "!"; fi; done'
        )
        try:
            out = subprocess.run(["bash", "-c", loop], input="".join(f"{a}\t{b}\n" for a, b in pairs),
                                 capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            missing("dpkg", e)
        sys.stdout.write(out)
        return
    elif scheme == "php":
        code = (
            '$r=[];while(($l=fgets(STDIN))!==false){$p=explode("\\t",rtrim($l,"\\n"));'
            '$c=version_compare($p[0],$p[1]);$r[]=$c<0?"<":($c>0?">":"=");}echo implode("\\n",$r),"\\n";'
        )
        try:
            out = subprocess.run(["php", "-r", code], input="".join(f"{a.lstrip('vV')}\t{b.lstrip('vV')}\n" for a, b in pairs),
                                 capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            missing("php", e)
        sys.stdout.write(out)
        return
    else:
        sys.exit(f"unknown scheme {scheme}")
    sys.stdout.write("".join(cmp(a, b) + "\n" for a, b in pairs))


if __name__ == "__main__":
    main()
