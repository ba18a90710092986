#!/usr/bin/env bash
# Notarise a signed dmg, wait for Apple's verdict, and staple the ticket.
#   bash packaging/macos/notarize.sh dist/X.dmg
# Needs APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD (an app-specific password).
# `notarytool submit --wait` returns 0 even when Apple rejects the upload ("Invalid"), so the
# status is read from its JSON answer; on anything but "Accepted" Apple's log (which names
# every offending file) is printed and this fails.
set -euo pipefail
dmg="$1"
auth=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD")
answer="$(xcrun notarytool submit "$dmg" "${auth[@]}" --wait --timeout 60m --output-format json)"
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$answer" "$1"; }
id="$(field id)"
status="$(field status)"
echo "Notarisation of $dmg: ${status:-no status} (submission ${id:-unknown})"
if [[ "$status" != "Accepted" ]]; then
    if [[ -n "$id" ]]; then
        echo "---- Apple's notarisation log ----"
        xcrun notarytool log "$id" "${auth[@]}" || true
    else
        echo "$answer"
    fi
    exit 1
fi
xcrun stapler staple "$dmg"
xcrun stapler validate "$dmg"
