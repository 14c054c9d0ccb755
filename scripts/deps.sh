#!/bin/sh
# deps.sh build|test — make sure the Debian packages Vigil needs are installed.
# As root, installs what is missing (apt-get update once first); otherwise
# prints the one apt-get line to run and fails.
set -eu
what=${1:-build}
pkgs="gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev libpq-dev libproj-dev libcurl4-openssl-dev libgnutls28-dev"
if [ "$what" = test ]; then
	pkgs="$pkgs libcmocka-dev nodejs clang libclang-rt-14-dev sqlite3 postgresql postgresql-client chromium fonts-dejavu-core openssl"
fi
missing=""
# The browser UI's libraries come from npm: Node.js and npm, from Debian
# unless the machine already has them (NodeSource's nodejs carries npm).
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "Vigil needs these Debian packages:$missing" >&2
	echo "Install them with:  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
