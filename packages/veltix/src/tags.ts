/** Tag value: a tag added without a value holds `true`. */
export type TagValue = unknown

/**
 * Free-form tags on a connected client (the reference's `add_tag` family), with the reference's return
 * values: `addTag` false when the tag exists, `removeTag` whether it existed, `hasAllTags([])` true,
 * `hasAnyTags([])` false, `getTag` null when absent.
 */
export class Tags {
  readonly #tags = new Map<string, TagValue>()

  /** Adds `tag` (with `value`, default `true`); false, and nothing changed, when it already exists. */
  addTag(tag: string, value: TagValue = true): boolean {
    if (this.#tags.has(tag)) return false
    this.#tags.set(tag, value)
    return true
  }

  /** Sets `tag` to `value` whether or not it exists. */
  setTag(tag: string, value: TagValue = true): void {
    this.#tags.set(tag, value)
  }

  removeTag(tag: string): boolean {
    return this.#tags.delete(tag)
  }

  hasTag(tag: string): boolean {
    return this.#tags.has(tag)
  }

  hasAllTags(tags: Iterable<string>): boolean {
    for (const t of tags) if (!this.#tags.has(t)) return false
    return true
  }

  hasAnyTags(tags: Iterable<string>): boolean {
    for (const t of tags) if (this.#tags.has(t)) return true
    return false
  }

  /** The tag's value, or null when absent. */
  getTag<T = TagValue>(tag: string): T | null {
    return this.#tags.has(tag) ? (this.#tags.get(tag) as T) : null
  }

  /** Every tag name. */
  getTags(): string[] {
    return [...this.#tags.keys()]
  }

  clearTags(): void {
    this.#tags.clear()
  }
}
