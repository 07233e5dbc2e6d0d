#!/usr/bin/env bash
# The Debian packages dondoc uses besides Python: tesseract (OCR of scanned PDFs, with its
# Vietnamese model), poppler-utils (pdftoppm renders the pages) and chromium (the web page's
# browser tests drive it through Playwright; no browser is downloaded). Quick when all is there
# (command -v / dpkg -s, no apt); as root it installs what is missing, otherwise it says what to
# install and fails.
set -euo pipefail
PACKAGES=(tesseract-ocr tesseract-ocr-vie poppler-utils chromium)

missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The language model is a file, not a command: ask dpkg, or tesseract itself if installed otherwise.
if ! dpkg -s tesseract-ocr-vie >/dev/null 2>&1 && \
   ! { command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx vie; }; then
  missing+=(tesseract-ocr-vie)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Cài gói hệ thống còn thiếu (installing missing system packages): ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be missing or stale on a fresh machine: update only when install fails.
  apt-get install -y --no-install-recommends "${PACKAGES[@]}" ||
    { apt-get update && apt-get install -y --no-install-recommends "${PACKAGES[@]}"; }
  exit 0
fi

cat >&2 <<MSG
Thiếu gói hệ thống: ${missing[*]}. Hãy cài (với quyền root):
    sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}
(Missing system packages: ${missing[*]}. Install them as root with the command above;
 dondoc needs them to read scanned PDFs by OCR, and the tests to drive a browser.)
MSG
exit 1
