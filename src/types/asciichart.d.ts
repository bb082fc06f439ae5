declare module 'asciichart' {
  interface PlotConfig {
    height?: number;
    offset?: number;
    padding?: string;
    colors?: (string | undefined)[];
    format?: (x: number, i: number) => string;
    min?: number;
    max?: number;
  }
  const asciichart: {
    plot(series: number[] | number[][], config?: PlotConfig): string;
    default: string;
    green: string;
    red: string;
    blue: string;
    lightgray: string;
    reset: string;
  };
  export default asciichart;
}
