/**
 * In-memory shapes shared across the engine (docs/design.md "Labels and arrays").
 *
 * A 2-D slice is row-major with rows = NIfTI x and cols = NIfTI y, so pixel (x, y) lives at
 * index x * cols + y. This matches the `.npy` probability layout [T, H, W, C] (C-order,
 * H = NIfTI x, W = NIfTI y); NIfTI files themselves are x-fastest and are transposed on read/write.
 */
export type Phase = 'ED' | 'ES';
export type Split = 'TRAIN' | 'VAL' | 'TEST';
export type Site = 'A' | 'B';
export type Structure = 'LV' | 'MYO' | 'RV';
export const STRUCTURES: readonly Structure[] = ['LV', 'MYO', 'RV'];

/** Label values per structure; ACDC convention by default (0 background). */
export type LabelMap = Record<Structure, number>;
export const ACDC_LABELS: LabelMap = Object.freeze({ RV: 1, MYO: 2, LV: 3 });
/** Class channel order of network outputs: 0 background, 1 RV, 2 MYO, 3 LV. */
export const NUM_CLASSES = 4;

/** Spacing in mm along rows (NIfTI x) and cols (NIfTI y). */
export type SpacingMm = readonly [number, number];

export interface Slice2D {
  rows: number;
  cols: number;
  spacingMm: SpacingMm;
  /** Intensities, length rows * cols. */
  image: Float32Array;
  /** Class indices 0..NUM_CLASSES-1 in channel order, length rows * cols. */
  label: Uint8Array;
}

export interface SliceMeta {
  subjectId: string;
  phase: Phase;
  sliceIndex: number;
  sliceCount: number;
  /** Normalised position base (0) → apex (1). */
  position: number;
}

export type LabeledSlice = Slice2D & SliceMeta;

/**
 * A slice as imported: `label` is null when no ground truth came with the image (never zeros, which
 * would read as background). Training and evaluation take LabeledSlice only.
 */
export type MaybeLabeledSlice = Omit<LabeledSlice, 'label'> & { label: Uint8Array | null };

export interface Subject<S extends MaybeLabeledSlice = LabeledSlice> {
  id: string;
  site: Site;
  /** Pathology group: NOR, DCM, HCM, MINF, ARV (ACDC names). */
  group: string;
  split: Split;
  slices: S[];
  /** Scanner vendor and centre, when the source says (the M&Ms CSV). */
  vendor?: string;
  centre?: string;
  /** Distance between slice centres in mm (thickness + gap), when known. */
  sliceSpacingMm?: number;
  /** Extra descriptors (Info.cfg fields such as ED/ES frame, generator facts such as field strength). */
  info?: Record<string, string | number>;
}
