/** Tag value: a tag added without a value holds `true`. */
export type TagValue = unknown

/**
 * Free-form tags on a connected client (the reference's `add_tag` family), with the reference's return
 * values: `addTag` false when the tag exists, `removeTag` whether it existed, `hasAllTags([])` true,
 * `hasAnyTags([])` false, `getTag` null when absent.
 */
export class Tags {
  // Created on the first tag: most connections never get one, and an empty Map costs ~150 bytes each.
  #map: Map<string, TagValue> | undefined = undefined

  /** Adds `tag` (with `value`, default `true`); false, and nothing changed, when it already exists. */
  addTag(tag: string, value: TagValue = true): boolean {
    this.#map ??= new Map()
    if (this.#map.has(tag)) return false
    this.#map.set(tag, value)
    return true
  }

  /** Sets `tag` to `value` whether or not it exists. */
  setTag(tag: string, value: TagValue = true): void {
    this.#map ??= new Map()
    this.#map.set(tag, value)
  }

  removeTag(tag: string): boolean {
    return this.#map?.delete(tag) === true
  }

  hasTag(tag: string): boolean {
    return this.#map?.has(tag) === true
  }

  hasAllTags(tags: Iterable<string>): boolean {
    for (const t of tags) if (this.#map?.has(t) !== true) return false
    return true
  }

  hasAnyTags(tags: Iterable<string>): boolean {
    const m = this.#map
    if (m === undefined) return false
    for (const t of tags) if (m.has(t)) return true
    return false
  }

  /** The tag's value, or null when absent. */
  getTag<T = TagValue>(tag: string): T | null {
    const m = this.#map
    return m?.has(tag) === true ? (m.get(tag) as T) : null
  }

  /** Every tag name. */
  getTags(): string[] {
    return this.#map === undefined ? [] : [...this.#map.keys()]
  }

  clearTags(): void {
    this.#map?.clear()
  }
}
