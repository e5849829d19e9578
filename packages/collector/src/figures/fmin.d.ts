// fmin ships no types; this is the part of its API that figures/ uses.
declare module 'fmin' {
  export interface NelderMeadResult {
    x: number[];
    fx: number;
  }
  export function nelderMead(
    f: (x: number[]) => number,
    x0: number[],
    parameters?: {
      maxIterations?: number;
      minErrorDelta?: number;
      minTolerance?: number;
      nonZeroDelta?: number;
      zeroDelta?: number;
    },
  ): NelderMeadResult;
}
