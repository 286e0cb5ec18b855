# Shared by setup.sh and test.sh: package lists and the JDK check.
# Packages Caisson needs to run, and to build (gcc: its exec helper, src/main/c); Debian bookworm names.
RUNTIME_PACKAGES=(runc conmon containernetworking-plugins iptables util-linux criu iproute2 libssl3 gcc libc6-dev)
# Packages the integration tests need on top: a real registry, image tools, busybox for images.
TEST_PACKAGES=(docker-registry skopeo gnupg umoci busybox-static catatonit file gcc libc6-dev apache2-utils jq curl)

export JAVA_HOME="${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}"

require_root() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "$0: run as root (it installs packages and manages namespaces, mounts and cgroups)" >&2
    exit 1
  fi
}

require_jdk() {
  if [[ ! -x "$JAVA_HOME/bin/java" ]]; then
    echo "$0: Java 25 not found at $JAVA_HOME; install a JDK 25 there or set JAVA_HOME_25" >&2
    exit 1
  fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}
