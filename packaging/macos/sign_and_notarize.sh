#!/usr/bin/env bash
# Sign the .app (hardened runtime), build the dmg, sign it, notarise and staple it.
# Each step runs only when its secrets are present and says so when it skips; the dmg is
# always built, so unsigned builds (forks, pull requests) still produce an artifact.
#   bash packaging/macos/sign_and_notarize.sh "dist/Backup Status Monitor.app" dist/X.dmg
# Signing secrets:      MACOS_CERT_P12_BASE64, MACOS_CERT_PASSWORD, MACOS_SIGN_IDENTITY
#                       (e.g. "Developer ID Application: Example Ltd (TEAMID1234)")
# Notarisation secrets: APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD (app-specific password)
# BSM_REQUIRE_SIGNING=1 (tag builds): missing secrets fail instead of producing an unsigned dmg.
set -euo pipefail
app="$1"
dmg="$2"
here="$(cd "$(dirname "$0")" && pwd)"
entitlements="$here/entitlements.plist"
name="Backup Status Monitor"

signing=0
if [[ -n "${MACOS_CERT_P12_BASE64:-}" && -n "${MACOS_CERT_PASSWORD:-}" && -n "${MACOS_SIGN_IDENTITY:-}" ]]; then
    signing=1
else
    echo "Code signing skipped: MACOS_CERT_P12_BASE64 / MACOS_CERT_PASSWORD / MACOS_SIGN_IDENTITY not set."
fi
notarising=0
if [[ $signing == 1 && -n "${APPLE_ID:-}" && -n "${APPLE_TEAM_ID:-}" && -n "${APPLE_APP_PASSWORD:-}" ]]; then
    notarising=1
fi
if [[ "${BSM_REQUIRE_SIGNING:-}" == 1 && $notarising == 0 ]]; then
    echo "Signing and notarisation are required (BSM_REQUIRE_SIGNING=1) but their secrets are missing."
    exit 1
fi

if [[ $signing == 1 ]]; then
    # A throw-away keychain holding only the Developer ID certificate.
    keychain="${RUNNER_TEMP:-/tmp}/bsm-signing.keychain-db"
    kc_password="$(uuidgen)"
    p12="${RUNNER_TEMP:-/tmp}/bsm-signing.p12"
    trap 'security delete-keychain "$keychain" >/dev/null 2>&1 || true; rm -f "$p12"' EXIT
    echo "$MACOS_CERT_P12_BASE64" | base64 --decode >"$p12"
    security create-keychain -p "$kc_password" "$keychain"
    security set-keychain-settings -lut 21600 "$keychain"
    security unlock-keychain -p "$kc_password" "$keychain"
    security import "$p12" -k "$keychain" -P "$MACOS_CERT_PASSWORD" -T /usr/bin/codesign
    security set-key-partition-list -S apple-tool:,apple: -s -k "$kc_password" "$keychain" >/dev/null
    security list-keychains -d user -s "$keychain" $(security list-keychains -d user | tr -d '"')

    sign() {
        codesign --force --timestamp --options runtime --keychain "$keychain" \
            --sign "$MACOS_SIGN_IDENTITY" "$@"
    }
    # Inside out: every Mach-O library and extension first, then the app with entitlements.
    # (--deep is deprecated for signing and would not apply the entitlements correctly.)
    while IFS= read -r -d '' file; do
        if file -b "$file" | grep -q "Mach-O"; then
            sign "$file"
        fi
    done < <(find "$app/Contents" -type f \( -name "*.so" -o -name "*.dylib" -o -perm -u+x \) \
        ! -path "*/Contents/MacOS/*" -print0)
    while IFS= read -r -d '' framework; do
        sign "$framework"
    done < <(find "$app/Contents" -type d -name "*.framework" -print0)
    sign --entitlements "$entitlements" "$app/Contents/MacOS/backup-status"
    sign --entitlements "$entitlements" "$app"
    codesign --verify --deep --strict --verbose=2 "$app"
fi

python -m dmgbuild -s "$here/dmg_settings.py" -D app="$app" "$name" "$dmg"

if [[ $signing == 1 ]]; then
    sign "$dmg"
fi

if [[ $notarising == 1 ]]; then
    bash "$here/notarize.sh" "$dmg"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
elif [[ $signing == 1 ]]; then
    echo "Notarisation skipped: APPLE_ID / APPLE_TEAM_ID / APPLE_APP_PASSWORD not set."
else
    echo "Notarisation skipped: the app is not signed."
fi
echo "dmg: $dmg"
