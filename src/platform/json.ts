/** Text that is already the JSON of an API answer (a stored document): sent as it is. */
export type JsonText = string & { readonly __jsonText: true };

/** JSON documents are stored as text on both databases. */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text == null || text === '') return fallback;
  return JSON.parse(text) as T;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Tags are unique case-insensitively; the first spelling is kept. */
export function mergeTags(existing: string[], added: string[]): string[] {
  const seen = new Set(existing.map((t) => t.toLowerCase()));
  const out = [...existing];
  for (const tag of added) {
    const key = tag.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(tag);
    }
  }
  return out;
}

/** "|a|b|": lets both databases filter by one tag with LIKE '%|a|%'. */
export function tagsIndex(tags: string[]): string {
  return tags.length ? `|${tags.map((t) => t.toLowerCase()).join('|')}|` : '';
}
