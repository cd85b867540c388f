// Finding the USB mass-storage drive a board's bootloader exposes: the DAPLink `MICROBIT`
// drive (marked by DETAILS.TXT) and the RP2040 bootrom's `RPI-RP2` drive (INFO_UF2.TXT).
// The matching rules are pure functions; the search of mount points is the only I/O.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export type DriveKind = 'daplink' | 'rpi-rp2';

export interface DriveSpec {
  kind: DriveKind;
  /** volume label users see */
  label: string;
  /** file whose presence marks the drive */
  marker: string;
}

export const DRIVES: Record<DriveKind, DriveSpec> = {
  daplink: { kind: 'daplink', label: 'MICROBIT', marker: 'DETAILS.TXT' },
  'rpi-rp2': { kind: 'rpi-rp2', label: 'RPI-RP2', marker: 'INFO_UF2.TXT' },
};

/** Mount points listed in /proc/mounts text (octal escapes such as \040 decoded). */
export function parseProcMounts(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 2 || fields[1] === '') continue;
    out.push(fields[1].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

/**
 * Whether a folder with this name and marker-file text is the drive. The marker file must be
 * there; the label or the marker's content must also agree, so an unrelated folder that
 * happens to hold a DETAILS.TXT is not taken for a board.
 */
export function isDrive(spec: DriveSpec, dirName: string, markerText: string | undefined): boolean {
  if (markerText === undefined) return false;
  if (dirName.toUpperCase() === spec.label) return true;
  if (spec.kind === 'rpi-rp2') return /Board-ID:\s*RPI-RP2/i.test(markerText);
  // DAPLink writes "DAPLink Firmware" and "Unique ID: 9900..." (9900/9901/9903/9904 = micro:bit).
  return /DAPLink/i.test(markerText) && /Unique ID:\s*990/i.test(markerText);
}

/** Folders that may be mount points of removable drives, without duplicates. */
export function candidateDirs(roots: string[], procMounts: string | undefined): string[] {
  const seen = new Set<string>();
  const add = (d: string) => seen.add(d);
  if (procMounts !== undefined) for (const m of parseProcMounts(procMounts)) add(m);
  for (const root of roots) {
    add(root);
    for (const child of listDirs(root)) {
      add(child);
      // /media/<user>/<label> and /run/media/<user>/<label>
      for (const grandchild of listDirs(child)) add(grandchild);
    }
  }
  return [...seen];
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

function readMarker(dir: string, marker: string): string | undefined {
  const p = join(dir, marker);
  try {
    if (!existsSync(p) || !statSync(p).isFile()) return undefined;
    return readFileSync(p, 'latin1').slice(0, 4096);
  } catch {
    return undefined;
  }
}

/** Where to look: $TRACEPIPE_MOUNT_ROOTS (':'-separated) replaces the system places when set. */
export function searchRoots(env: NodeJS.ProcessEnv = process.env): { roots: string[]; useProcMounts: boolean } {
  const fromEnv = env.TRACEPIPE_MOUNT_ROOTS;
  if (fromEnv !== undefined && fromEnv !== '') {
    return { roots: fromEnv.split(':').filter(Boolean), useProcMounts: false };
  }
  return { roots: ['/media', '/run/media', '/Volumes'], useProcMounts: true };
}

/** Every mounted drive of this kind. */
export function findDrives(kind: DriveKind, env: NodeJS.ProcessEnv = process.env): string[] {
  const spec = DRIVES[kind];
  const { roots, useProcMounts } = searchRoots(env);
  let proc: string | undefined;
  if (useProcMounts) {
    try {
      proc = readFileSync('/proc/mounts', 'utf8');
    } catch {
      proc = undefined;
    }
  }
  return candidateDirs(roots, proc).filter((d) => isDrive(spec, basename(d), readMarker(d, spec.marker)));
}
