// CSV export of the report tables: RFC 4180 quoting, a UTF-8 byte-order mark so that Excel
// on a Chinese Windows opens the Chinese headers correctly, CRLF line ends.

export type Cell = string | number | null | undefined;

function quote(cell: Cell): string {
  const text = cell === null || cell === undefined ? "" : String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV text of ``rows`` under ``headers`` (no byte-order mark). */
export function toCsv(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [headers, ...rows].map((row) => row.map(quote).join(",")).join("\r\n") + "\r\n";
}

/** Let the browser download the table as ``filename`` (UTF-8 with BOM). */
export function downloadCsv(filename: string, headers: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const blob = new Blob(["\ufeff", toCsv(headers, rows)], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
