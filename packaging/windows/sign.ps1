# Authenticode-sign files when the signing secrets are present; skip (exit 0) with a message
# when they are not, so forks and pull requests still build unsigned.
#   pwsh packaging/windows/sign.ps1 "dist\Backup Status Monitor\backup-status.exe" ...
# Secrets (environment): WINDOWS_CERT_PFX_BASE64 (the .pfx, base64), WINDOWS_CERT_PASSWORD.
# Optional: WINDOWS_TIMESTAMP_URL (default DigiCert's RFC 3161 server).
param([Parameter(Mandatory = $true, ValueFromRemainingArguments = $true)][string[]]$Files)
$ErrorActionPreference = "Stop"

if (-not $env:WINDOWS_CERT_PFX_BASE64 -or -not $env:WINDOWS_CERT_PASSWORD) {
    Write-Host "Code signing skipped: WINDOWS_CERT_PFX_BASE64 / WINDOWS_CERT_PASSWORD not set."
    exit 0
}
$timestamp = if ($env:WINDOWS_TIMESTAMP_URL) { $env:WINDOWS_TIMESTAMP_URL } else { "http://timestamp.digicert.com" }

# signtool ships with the Windows SDK; take the newest x64 copy.
$signtool = Get-ChildItem "${env:ProgramFiles(x86)}\Windows Kits\10\bin\*\x64\signtool.exe" |
    Sort-Object FullName -Descending | Select-Object -First 1
if (-not $signtool) { throw "signtool.exe not found (install the Windows SDK)" }

$pfx = Join-Path $env:RUNNER_TEMP "bsm-signing.pfx"
if (-not $env:RUNNER_TEMP) { $pfx = Join-Path ([IO.Path]::GetTempPath()) "bsm-signing.pfx" }
try {
    [IO.File]::WriteAllBytes($pfx, [Convert]::FromBase64String($env:WINDOWS_CERT_PFX_BASE64))
    foreach ($file in $Files) {
        & $signtool.FullName sign /f $pfx /p $env:WINDOWS_CERT_PASSWORD /fd sha256 `
            /tr $timestamp /td sha256 /d "Backup Status Monitor" $file
        if ($LASTEXITCODE -ne 0) { throw "signtool failed on $file" }
        & $signtool.FullName verify /pa $file
        if ($LASTEXITCODE -ne 0) { throw "signature does not verify on $file" }
    }
}
finally {
    Remove-Item -Force -ErrorAction SilentlyContinue $pfx
}
Write-Host "Signed $($Files.Count) file(s)."
