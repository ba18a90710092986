; Inno Setup 6 script: per-user install of the one-folder bundle (no admin rights needed).
; Build (CI does this after `python packaging\build.py`):
;   iscc /DAppVersion=0.1.0 /DSourceDir="dist\Backup Status Monitor" /DOutputDir=dist ^
;        packaging\windows\installer.iss
; Installs to %LOCALAPPDATA%\Programs\Backup Status Monitor, adds a Start Menu shortcut (with
; the app's AppUserModelID, so toasts and the taskbar say "Backup Status Monitor") and, if
; ticked, starts the app at sign-in (minimised to the tray). Start at sign-in is the same HKCU
; Run value the app's Settings checkbox reads and writes (desktop_app/storage/autostart.py), so
; the checkbox shows and can undo what the installer did. Uninstall removes the files, the
; shortcuts and that Run value (whoever made it); it asks before also removing settings and
; history (silent uninstalls keep them). Keyring entries stay: they belong to the user's
; Credential Manager.
;
; Signing: pass /DSignCommand="..." (see packaging/windows/sign.py): the installer and the
; uninstaller it embeds are signed with it. Without it both stay unsigned (pull requests).

#ifndef AppVersion
  #error Pass /DAppVersion=x.y.z (the package version)
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\Backup Status Monitor"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

#define AppName "Backup Status Monitor"
#define AppExe "backup-status.exe"
#define AppPublisher "Backup Status Monitor"
; Must equal desktop_app.os_integration.APP_USER_MODEL_ID and storage.autostart's Run value
; (tests/packaging/test_installer_script.py checks both).
#define AppUserModelID "BackupStatusMonitor.BackupStatusMonitor"
#define RunKey "Software\Microsoft\Windows\CurrentVersion\Run"

[Setup]
; AppId identifies the app for upgrades and uninstall: never change it.
AppId={{5B7C2E4A-9D3F-4A61-8E2B-3C1F7A9D4E60}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
VersionInfoVersion={#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
OutputDir={#OutputDir}
OutputBaseFilename=BackupStatusMonitor-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Close a running copy (Restart Manager) so files can be replaced or removed.
CloseApplications=yes
RestartApplications=no
#ifdef SignCommand
SignTool=bsmsign
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "startatlogin"; Description: "Start {#AppName} when I sign in to Windows"; \
    GroupDescription: "Startup:"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; \
    AppUserModelID: "{#AppUserModelID}"

[Registry]
; The app's own start-at-login entry (its Settings checkbox sees and removes it).
Root: HKCU; Subkey: "{#RunKey}"; ValueType: string; ValueName: "{#AppName}"; \
    ValueData: """{app}\{#AppExe}"" --minimized"; Tasks: startatlogin

[Run]
Filename: "{app}\{#AppExe}"; Description: "Start {#AppName} now"; \
    Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Files the app may have created in its own folder, then the folder itself.
Type: filesandordirs; Name: "{app}"

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  // Start at sign-in, whether the installer or the app's checkbox made it.
  if CurUninstallStep = usUninstall then
    RegDeleteValue(HKCU, '{#RunKey}', '{#AppName}');
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent then
  begin
    if MsgBox('Also remove your {#AppName} settings and history?', mbConfirmation,
              MB_YESNO or MB_DEFBUTTON2) = IDYES then
    begin
      // QSettings(organization, application) on Windows: HKCU\Software\<organization>.
      RegDeleteKeyIncludingSubkeys(HKCU, 'Software\{#AppName}');
      DelTree(ExpandConstant('{localappdata}\{#AppName}'), True, True, True);
    end;
  end;
end;
