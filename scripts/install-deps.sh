#!/usr/bin/env bash
# Installs every Debian 12 package that the build, the tests, the example and the Slurm tests need.
# Idempotent: rerunning it changes nothing once the packages are there. Needs root (or sudo).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  libopenmpi-dev openmpi-bin
  libhdf5-openmpi-dev hdf5-tools
  libboost1.81-dev libboost-json1.81-dev
  libyaml-cpp-dev libfmt-dev zlib1g-dev libzstd-dev liblz4-dev libbz2-dev
  libreadstat-dev
  googletest libgtest-dev
  gnuplot-nox python3
  slurm-wlm munge
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
