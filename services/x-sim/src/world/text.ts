/**
 * Post text with entities. Entity indices are Unicode code points (an emoji
 * counts 1), `start` inclusive at `#`/`@`, `end` exclusive, as X sends them.
 */
export interface HashtagEntity {
  start: number;
  end: number;
  tag: string;
}
export interface MentionEntity {
  start: number;
  end: number;
  username: string;
  id: string;
}
export interface UrlEntity {
  start: number;
  end: number;
  url: string;
  expanded_url: string;
  display_url: string;
  media_key?: string;
}
export interface PostText {
  text: string;
  hashtags: HashtagEntity[];
  mentions: MentionEntity[];
  urls: UrlEntity[];
}

/** Builds a text piece by piece, recording where each entity lands. */
export class TextBuilder {
  private parts: string[] = [];
  private length = 0;
  readonly hashtags: HashtagEntity[] = [];
  readonly mentions: MentionEntity[] = [];
  readonly urls: UrlEntity[] = [];

  add(piece: string): this {
    this.parts.push(piece);
    this.length += codePoints(piece);
    return this;
  }

  hashtag(tag: string): this {
    const start = this.length;
    this.add(`#${tag}`);
    this.hashtags.push({ start, end: this.length, tag });
    return this;
  }

  mention(username: string, id: string): this {
    const start = this.length;
    this.add(`@${username}`);
    this.mentions.push({ start, end: this.length, username, id });
    return this;
  }

  url(entity: Omit<UrlEntity, 'start' | 'end'>): this {
    const start = this.length;
    this.add(entity.url);
    this.urls.push({ start, end: this.length, ...entity });
    return this;
  }

  build(): PostText {
    return { text: this.parts.join(''), hashtags: this.hashtags, mentions: this.mentions, urls: this.urls };
  }
}

export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate and its low surrogate are one code point.
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** X's repost text keeps 140 code points of `RT @user: …`, the last one an ellipsis. */
const REPOST_LIMIT = 140;

/**
 * The text of a repost: `RT @user: ` and the original, cut with `…`. Only the
 * entities that survived the cut whole are listed, so a hashtag near the end of
 * a long original is missing from the repost's own `entities.hashtags`.
 */
export function repostText(original: PostText, username: string, userId: string): PostText {
  const b = new TextBuilder().add('RT ').mention(username, userId).add(': ');
  const offset = codePoints(`RT @${username}: `);
  const room = REPOST_LIMIT - offset;
  // Most texts are short enough to keep whole; only long ones pay for code-point slicing.
  const total = original.text.length <= room ? original.text.length : codePoints(original.text);
  const cut = total > room ? room - 1 : total;
  if (cut === total) b.add(original.text);
  else b.add(`${Array.from(original.text).slice(0, cut).join('')}…`);
  const shifted = <T extends { start: number; end: number }>(entities: T[]): T[] => {
    const kept: T[] = [];
    for (const e of entities)
      if (e.end <= cut) kept.push({ ...e, start: e.start + offset, end: e.end + offset });
    return kept;
  };
  const built = b.build();
  return {
    text: built.text,
    hashtags: shifted(original.hashtags),
    mentions: [...built.mentions, ...shifted(original.mentions)],
    urls: shifted(original.urls),
  };
}

/** Sentences per language; a post is one or two of them and its hashtags. */
export const PHRASES: Record<string, readonly string[]> = {
  en: [
    'Watch the session live: member states share how they counter terrorism online.',
    'Strong partnerships are the backbone of prevention.',
    'Victims and survivors must be at the centre of everything we do.',
    "Today's panel on youth engagement was one of the best so far.",
    'Over a thousand participants from 134 member states joined this morning.',
    'Technology can help, but human rights come first.',
    'Great questions from the audience on financing and the role of civil society.',
    'Thank you to all speakers for an inspiring discussion.',
  ],
  fr: [
    'Suivez la session en direct : les États membres partagent leurs expériences.',
    'La prévention passe par des partenariats solides.',
    'Les victimes doivent être au cœur de notre action.',
    'Merci aux intervenants pour ce débat très riche.',
    'Plus de mille participants de 134 États membres étaient connectés ce matin.',
  ],
  es: [
    'Sigue la sesión en directo: los Estados Miembros comparten sus experiencias.',
    'La prevención necesita alianzas sólidas y la participación de los jóvenes.',
    'Las víctimas deben estar en el centro de nuestra respuesta.',
    'Gracias a todas las personas que intervinieron hoy.',
    'Más de mil participantes de 134 Estados Miembros esta mañana.',
  ],
  ar: [
    'تابعوا الجلسة مباشرة: الدول الأعضاء تتبادل خبراتها في مكافحة الإرهاب.',
    'الشراكات القوية أساس الوقاية.',
    'يجب أن يكون الضحايا في صميم عملنا.',
    'شكرا لجميع المتحدثين على هذا النقاش الملهم.',
  ],
  ru: [
    'Смотрите сессию в прямом эфире: государства-члены делятся опытом.',
    'Профилактика невозможна без прочных партнёрств.',
    'Жертвы терроризма должны быть в центре нашей работы.',
    'Спасибо всем выступающим за содержательную дискуссию.',
  ],
  zh: [
    '观看直播：会员国分享打击恐怖主义的经验。',
    '牢固的伙伴关系是预防工作的基础。',
    '受害者必须处于我们工作的核心。',
    '感谢所有发言者带来的精彩讨论。',
  ],
  pt: [
    'Acompanhe a sessão ao vivo: os Estados-Membros partilham experiências.',
    'A prevenção depende de parcerias fortes.',
    'Obrigado a todos os oradores pelo debate.',
  ],
  de: [
    'Die Sitzung jetzt live verfolgen: Mitgliedstaaten teilen ihre Erfahrungen.',
    'Prävention braucht starke Partnerschaften.',
    'Danke an alle Rednerinnen und Redner für die Diskussion.',
  ],
  ja: [
    'セッションをライブで視聴：加盟国が経験を共有します。',
    '予防には強いパートナーシップが欠かせません。',
  ],
  und: ['👏👏👏', '🌍🤝', '📺 ➡️'],
};

/** What an author appends when editing a post, per language. */
export const EDIT_NOTES: Record<string, string> = {
  en: ' (corrected)',
  fr: ' (corrigé)',
  es: ' (corregido)',
  ar: ' (مصحح)',
  ru: ' (исправлено)',
  zh: '（已更正）',
  pt: ' (corrigido)',
  de: ' (korrigiert)',
  ja: '（訂正）',
  und: ' ✏️',
};

export function phrasesFor(lang: string): readonly string[] {
  return PHRASES[lang] ?? PHRASES.en ?? [];
}
