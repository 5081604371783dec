# UNTESTED: written and reviewed on Linux only; no Windows machine has run it yet.
# Expect to fix small things on the first Windows build, and update this note then.
#
# Build the SahelGIS one-folder bundle on Windows (PyInstaller cannot cross-build):
#   powershell -ExecutionPolicy Bypass -File packaging\build_windows.ps1
#   powershell -ExecutionPolicy Bypass -File packaging\build_windows.ps1 -Zip
# Output: dist\sahelgis\SahelGIS.exe (double-click, no console) and
# dist\sahelgis\sahelgis-cli.exe (console: --snapshot, export, info ...), one _internal.
# Then: bundle size, start-to-PNG time (median of 3 offscreen --snapshot runs), and
# python packaging\smoke_test.py against the bundle.
# Needs Python 3.11 (py launcher) on the build machine; makes .venv if missing.
# An installer (Inno Setup or WiX around dist\sahelgis) is a later step.
param([switch]$Zip, [int]$Runs = 3)
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

$py = ".venv\Scripts\python.exe"
if (-not (Test-Path $py)) {
    py -3.11 -m venv .venv
    & $py -m pip install -q --upgrade pip
    & $py -m pip install -q -e .
}
& $py -c "import PyInstaller" 2>$null
if ($LASTEXITCODE -ne 0) { & $py -m pip install -q "pyinstaller>=6.10" }

$sw = [Diagnostics.Stopwatch]::StartNew()
& $py -m PyInstaller --noconfirm --clean --log-level WARN `
    --distpath dist --workpath build\pyinstaller packaging\sahelgis.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
Write-Host ("build_windows: built dist\sahelgis in {0:N0} s" -f $sw.Elapsed.TotalSeconds)

# Run as an analyst's laptop would: offscreen, no GDAL/PROJ variables from outside.
$exe = "dist\sahelgis\sahelgis-cli.exe"
$work = Join-Path ([IO.Path]::GetTempPath()) ("sahelgis-build-" + [Guid]::NewGuid())
New-Item -ItemType Directory $work | Out-Null
foreach ($var in "PROJ_LIB", "PROJ_DATA", "GDAL_DATA", "PYTHONPATH", "PYTHONHOME") {
    Remove-Item "Env:$var" -ErrorAction SilentlyContinue
}
$env:QT_QPA_PLATFORM = "offscreen"
$times = @()
for ($i = 1; $i -le $Runs; $i++) {
    $png = Join-Path $work "snapshot-$i.png"
    $t = Measure-Command { & $exe --snapshot $png | Out-Null }
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path $png)) { throw "snapshot run $i failed" }
    $times += [math]::Round($t.TotalSeconds, 2)
    Write-Host "build_windows: snapshot run ${i}: $($times[-1]) s"
}
Remove-Item Env:QT_QPA_PLATFORM
$sorted = $times | Sort-Object
$median = $sorted[[math]::Floor($sorted.Count / 2)]
$size = (Get-ChildItem dist\sahelgis -Recurse -File | Measure-Object Length -Sum).Sum / 1MB
Write-Host ("build_windows: bundle size: {0:N0} MB" -f $size)
Write-Host "build_windows: start to drawn map (--snapshot, median of $Runs): $median s"

& $py packaging\smoke_test.py dist\sahelgis
if ($LASTEXITCODE -ne 0) { throw "smoke test failed" }

if ($Zip) {
    $version = & $py -c "import sahelgis; print(sahelgis.__version__)"
    $zipPath = "dist\sahelgis-$version-windows-x64.zip"
    Compress-Archive -Path dist\sahelgis -DestinationPath $zipPath -Force
    Write-Host "build_windows: packed $zipPath"
}
Remove-Item -Recurse -Force $work
