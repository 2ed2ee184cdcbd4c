// The suite's lexicon: every content word the generator can emit, grouped by the meaning a task relies on.
// It is fixed in code (no outside text) and deliberately large — dozens of members per sentiment class,
// thirteen noun categories of eight members, synonym sets — so a 2,000-example train set sees most content
// words only a few times, while the unlabelled corpus shows each of them many times in contexts that reveal
// its class. All words are lowercase; a word appears in two lists only where the two meanings agree.

// ---- Sentiment (SST-2) ---------------------------------------------------------------------------------

export const POSITIVE_ADJECTIVES = [
  "good", "great", "excellent", "wonderful", "brilliant", "superb", "delightful", "charming", "lovely", "splendid",
  "fantastic", "marvelous", "pleasant", "beautiful", "elegant", "gorgeous", "stunning", "impressive", "remarkable",
  "fine", "fresh", "clever", "witty", "moving", "touching", "gripping", "engaging", "thrilling", "heartfelt", "vivid",
  "solid", "polished", "inspired", "graceful", "joyous", "uplifting", "sublime", "masterful", "enchanting",
  "exquisite", "dazzling", "refreshing", "terrific", "wondrous", "magnificent", "captivating", "riveting",
  "hilarious", "tender", "luminous", "lively", "smart", "sharp", "rich", "honest", "genuine", "stylish",
  "inventive", "original", "absorbing", "rewarding", "radiant", "breathtaking", "flawless", "triumphant",
] as const;

export const NEGATIVE_ADJECTIVES = [
  "bad", "awful", "terrible", "horrible", "dreadful", "dull", "boring", "tedious", "bland", "clumsy", "sloppy",
  "lousy", "mediocre", "messy", "stale", "shallow", "pointless", "tiresome", "dismal", "painful", "annoying",
  "ugly", "crude", "flat", "lifeless", "hollow", "awkward", "forgettable", "predictable", "sluggish", "grim",
  "miserable", "pathetic", "chaotic", "dreary", "inept", "clunky", "tepid", "muddled", "incoherent", "lame",
  "shoddy", "trite", "banal", "joyless", "overlong", "plodding", "listless", "hackneyed", "insipid", "vapid",
  "dire", "wretched", "abysmal", "atrocious", "unwatchable", "confused", "bloated", "lazy", "hopeless",
  "irritating", "numbing", "grating", "sour", "woeful",
] as const;

/** Sentiment verbs as [base, past]: "i loved the film", "i did not love the film". */
export const POSITIVE_VERBS = [
  ["love", "loved"], ["enjoy", "enjoyed"], ["adore", "adored"], ["admire", "admired"], ["like", "liked"],
  ["treasure", "treasured"], ["relish", "relished"], ["cherish", "cherished"], ["praise", "praised"],
  ["applaud", "applauded"], ["savor", "savored"], ["recommend", "recommended"],
] as const;

export const NEGATIVE_VERBS = [
  ["hate", "hated"], ["dislike", "disliked"], ["loathe", "loathed"], ["despise", "despised"], ["regret", "regretted"],
  ["resent", "resented"], ["detest", "detested"], ["dread", "dreaded"], ["mock", "mocked"], ["condemn", "condemned"],
  ["deplore", "deplored"], ["scorn", "scorned"],
] as const;

/** What a review talks about; neutral on its own. */
export const FILM_NOUNS = [
  "film", "movie", "story", "plot", "script", "cast", "acting", "ending", "opening", "soundtrack", "score",
  "dialogue", "direction", "pacing", "humor", "premise", "sequel", "finale", "performance", "cinematography",
  "editing", "villain", "hero", "romance", "comedy", "drama", "thriller", "documentary", "musical", "animation",
  "makeup", "scenery", "narration", "twist", "climax", "screenplay", "lead", "camera", "music", "production",
] as const;

export const INTENSIFIERS = [
  "very", "really", "truly", "quite", "extremely", "deeply", "utterly", "remarkably", "so", "rather",
] as const;

// ---- Taxonomy (MNLI, QNLI) -----------------------------------------------------------------------------

/** supercategory → category → members: "every poodle is a dog", "every dog is an animal". */
export const TAXONOMY: Record<string, Record<string, readonly string[]>> = {
  animal: {
    dog: ["poodle", "beagle", "terrier", "collie", "spaniel", "husky", "bulldog", "retriever"],
    cat: ["tabby", "siamese", "persian", "sphynx", "bengal", "manx", "ragdoll", "calico"],
    bird: ["sparrow", "robin", "finch", "crow", "parrot", "owl", "eagle", "pigeon"],
    fish: ["salmon", "trout", "carp", "tuna", "cod", "perch", "pike", "herring"],
  },
  plant: {
    tree: ["oak", "pine", "maple", "birch", "willow", "cedar", "elm", "spruce"],
    flower: ["rose", "tulip", "daisy", "lily", "orchid", "poppy", "violet", "lotus"],
  },
  food: {
    fruit: ["apple", "pear", "plum", "cherry", "mango", "peach", "lemon", "grape"],
    vegetable: ["carrot", "potato", "onion", "turnip", "leek", "cabbage", "radish", "pumpkin"],
  },
  machine: {
    vehicle: ["truck", "bus", "van", "tractor", "bicycle", "scooter", "motorcycle", "jeep"],
    boat: ["canoe", "kayak", "yacht", "ferry", "raft", "barge", "sailboat", "dinghy"],
  },
  object: {
    tool: ["hammer", "wrench", "axe", "drill", "chisel", "shovel", "rake", "pliers"],
    instrument: ["violin", "guitar", "piano", "flute", "drum", "trumpet", "cello", "harp"],
    garment: ["coat", "scarf", "hat", "boot", "glove", "shirt", "jacket", "sweater"],
  },
};

/** What members of a category typically do or undergo: the shared contexts that make them neighbours. */
export const CATEGORY_CONTEXTS: Record<string, readonly string[]> = {
  dog: ["barked at the mailman", "wagged its tail", "fetched the stick"],
  cat: ["purred on the sofa", "chased a mouse", "slept in the sun"],
  bird: ["sang in the morning", "built a nest", "flew over the roof"],
  fish: ["swam in the pond", "jumped out of the water", "hid under a rock"],
  tree: ["lost its leaves", "grew tall", "gave some shade"],
  flower: ["bloomed in spring", "smelled sweet", "wilted in the heat"],
  fruit: ["was ripe", "tasted sweet", "fell from the branch"],
  vegetable: ["was boiled in a pot", "grew in the soil", "went into the soup"],
  vehicle: ["broke down on the road", "needed fuel", "drove into town"],
  boat: ["sailed across the bay", "drifted on the waves", "was tied to the dock"],
  tool: ["hung in the shed", "was used to build a fence", "needed a new handle"],
  instrument: ["played a soft tune", "was out of tune", "sounded lovely"],
  garment: ["kept me warm", "was hung on a hook", "needed a wash"],
};

/** Colours: attributes no premise states unless it says so (MNLI's neutral hypotheses add one). */
export const COLORS = [
  "red", "blue", "green", "yellow", "white", "black", "brown", "grey", "orange", "purple", "pink", "golden",
] as const;

/** Verbs of an event with an object, as [base, past, participle]. */
export const EVENT_VERBS = [
  ["see", "saw", "seen"], ["find", "found", "found"], ["notice", "noticed", "noticed"], ["paint", "painted", "painted"],
  ["photograph", "photographed", "photographed"], ["draw", "drew", "drawn"], ["describe", "described", "described"],
  ["sketch", "sketched", "sketched"],
] as const;

/**
 * States of a person as antonym pairs, each pole with a synonym: ([happy, glad], [sad, unhappy]) means
 * "is happy" entails "is glad" and contradicts "is sad" or "is unhappy".
 */
export const STATE_PAIRS: readonly (readonly [readonly [string, string], readonly [string, string]])[] = [
  [["happy", "glad"], ["sad", "unhappy"]],
  [["awake", "alert"], ["asleep", "sleeping"]],
  [["calm", "serene"], ["angry", "furious"]],
  [["wealthy", "affluent"], ["poor", "penniless"]],
  [["tired", "weary"], ["rested", "refreshed"]],
  [["healthy", "well"], ["sick", "ill"]],
  [["brave", "bold"], ["afraid", "scared"]],
  [["busy", "occupied"], ["idle", "unoccupied"]],
  [["quiet", "silent"], ["loud", "rowdy"]],
  [["wet", "soaked"], ["dry", "parched"]],
  [["clean", "tidy"], ["dirty", "filthy"]],
  [["hungry", "starving"], ["full", "stuffed"]],
  [["early", "prompt"], ["late", "tardy"]],
  [["married", "wed"], ["single", "unmarried"]],
  [["strong", "mighty"], ["feeble", "frail"]],
  [["cheerful", "merry"], ["gloomy", "glum"]],
];

// ---- People, places and facts (MNLI, QNLI) -------------------------------------------------------------

export const NAMES = [
  "mara", "tomas", "lena", "ivo", "nadia", "oskar", "rhea", "felix", "ines", "bruno", "clara", "dario", "elsa",
  "gideon", "hana", "jonas", "kira", "lucas", "mila", "nico", "olga", "pavel", "rosa", "sami", "tilda", "ugo",
  "vera", "wim", "yara", "zeno", "alma", "boris", "cora", "emil", "frida", "gus", "hugo", "ida", "jules", "karl",
  "lotte", "marek", "nora", "otto", "petra", "quinn", "ruben", "sofia", "theo", "ulla", "vito", "wanda", "xavi",
  "yusuf", "zora", "anika", "bela", "cyril", "dora", "edgar",
] as const;

/** Places, each said with "the": "mara lives in the harbor". */
export const PLACES = [
  "harbor", "market", "library", "station", "mill", "bakery", "castle", "village", "valley", "forest", "meadow",
  "museum", "school", "hospital", "factory", "farm", "chapel", "tavern", "quarry", "lighthouse", "orchard",
  "vineyard", "monastery", "garrison", "brewery", "observatory", "workshop", "academy", "infirmary", "pier",
] as const;

export const OCCUPATIONS = [
  "baker", "doctor", "farmer", "teacher", "sailor", "painter", "nurse", "carpenter", "tailor", "pilot", "miner",
  "lawyer", "chef", "clerk", "guard", "miller", "potter", "weaver", "fisher", "smith",
] as const;

/**
 * The relations QNLI asks about. Each is said several ways (synonymous phrasings the corpus shows in the same
 * contexts); `question` phrasings ask for it, `{p}` is the person and `{x}` the value.
 */
export interface Relation {
  name: string;
  statements: readonly string[];
  questions: readonly string[];
  negated: readonly string[];
}

export const RELATIONS: readonly Relation[] = [
  {
    name: "home",
    statements: [
      "{p} lives in the {x}", "{p} resides in the {x}", "{p} dwells in the {x}", "the home of {p} is in the {x}",
    ],
    questions: ["where does {p} live", "where does {p} reside", "in which place does {p} dwell"],
    negated: ["{p} does not live in the {x}", "{p} never lived in the {x}"],
  },
  {
    name: "work",
    statements: [
      "{p} works at the {x}", "{p} is employed at the {x}", "{p} earns a living at the {x}",
      "the job of {p} is at the {x}",
    ],
    questions: ["where does {p} work", "where is {p} employed", "at which place does {p} earn a living"],
    negated: ["{p} does not work at the {x}", "{p} was never employed at the {x}"],
  },
  {
    name: "occupation",
    statements: ["{p} is a {x}", "{p} works as a {x}", "{p} makes a living as a {x}", "by trade , {p} is a {x}"],
    questions: ["what does {p} do for a living", "what is the trade of {p}", "what job does {p} have"],
    negated: ["{p} is not a {x}", "{p} never worked as a {x}"],
  },
  {
    name: "friend",
    statements: ["{p} visits {x} on sundays", "{p} calls on {x} every sunday", "{p} spends sundays with {x}"],
    questions: [
      "who does {p} visit on sundays", "whom does {p} call on every sunday", "who does {p} spend sundays with",
    ],
    negated: ["{p} does not visit {x} on sundays", "{p} never calls on {x}"],
  },
];

/** Ownership is asked by category: "what kind of dog does mara own ?" is answered by "mara owns a poodle". */
export const OWNERSHIP = {
  statements: ["{p} owns a {x}", "{p} has a {x}", "{p} keeps a {x}", "{p} possesses a {x}"],
  questions: ["what kind of {c} does {p} own", "which {c} does {p} have", "what {c} does {p} keep"],
  negated: ["{p} does not own a {x}", "{p} never had a {x}"],
} as const;

/** The categories whose members people own (one fact each): a pet, a tool and a vehicle or boat. */
export const OWNED_SUPERS: readonly (readonly string[])[] = [
  ["dog", "cat", "bird", "fish"], ["tool", "instrument"], ["vehicle", "boat"],
];

// ---- Questions and paraphrase (QQP) --------------------------------------------------------------------

/** Synonym sets of action verbs (base forms), each with the purpose it is typically done for. */
export const ACTION_SYNSETS: readonly { words: readonly string[]; context: string }[] = [
  { words: ["fix", "repair", "mend"], context: "because it stopped working" },
  { words: ["buy", "purchase", "acquire"], context: "with my savings" },
  { words: ["sell", "vend"], context: "to get some money back" },
  { words: ["clean", "wash", "scrub"], context: "with soap and water" },
  { words: ["find", "locate"], context: "after losing it yesterday" },
  { words: ["protect", "guard", "shield"], context: "from thieves" },
  { words: ["build", "construct", "assemble"], context: "from a kit" },
  { words: ["choose", "select", "pick"], context: "from the catalog" },
  { words: ["rent", "lease", "hire"], context: "for the summer" },
  { words: ["inspect", "examine", "check"], context: "before the trip" },
  { words: ["upgrade", "improve", "enhance"], context: "so it runs better" },
  { words: ["decorate", "adorn"], context: "for the holidays" },
  { words: ["insure", "cover"], context: "against damage" },
  { words: ["measure", "gauge"], context: "with a tape" },
  { words: ["store", "stow"], context: "in the basement" },
];

/** Synonym sets of everyday things, each with what it is typically used for. */
export const THING_SYNSETS: readonly { words: readonly string[]; context: string }[] = [
  { words: ["car", "automobile", "auto"], context: "to drive to work" },
  { words: ["phone", "cellphone", "mobile"], context: "to call my mother" },
  { words: ["computer", "pc"], context: "to write my reports" },
  { words: ["house", "home", "residence"], context: "to live in with my family" },
  { words: ["garden", "yard"], context: "to grow some herbs" },
  { words: ["sofa", "couch", "settee"], context: "to sit on in the evening" },
  { words: ["television", "tv", "telly"], context: "to follow the news" },
  { words: ["fridge", "refrigerator"], context: "to keep the milk cold" },
  { words: ["apartment", "condo"], context: "to stay in the city" },
  { words: ["photo", "picture", "photograph"], context: "to remember the wedding" },
  { words: ["luggage", "baggage"], context: "to carry on the journey" },
  { words: ["lawnmower", "mower"], context: "to cut the grass" },
  { words: ["stove", "cooker"], context: "to cook the dinner" },
  { words: ["bike", "cycle"], context: "to ride to school" },
  { words: ["watch", "wristwatch", "timepiece"], context: "to tell the time" },
  { words: ["laptop", "notebook"], context: "to work on the train" },
  { words: ["carpet", "rug"], context: "to warm the floor" },
  { words: ["wardrobe", "closet"], context: "to hang my clothes" },
];

/** Modifiers of things, as synonym sets (QQP adds one to both questions or changes it in one). */
export const MODIFIER_SYNSETS: readonly (readonly string[])[] = [
  ["broken", "damaged", "faulty"], ["cheap", "inexpensive", "affordable"], ["used", "secondhand"], ["small", "compact"],
  ["ancient", "antique"], ["huge", "enormous"],
];

/**
 * Question frames. Frames in one `sense` ask the same thing ("how do i …" = "what is the best way to …");
 * `{v}` is the verb, `{t}` the thing (with its modifier).
 */
export const QUESTION_FRAMES: readonly { sense: string; text: string }[] = [
  { sense: "how", text: "how do i {v} my {t}" },
  { sense: "how", text: "how can i {v} my {t}" },
  { sense: "how", text: "what is the best way to {v} my {t}" },
  { sense: "how", text: "what should i do to {v} my {t}" },
  { sense: "where", text: "where can i {v} my {t}" },
  { sense: "where", text: "in which place can i {v} my {t}" },
  { sense: "why", text: "why should i {v} my {t}" },
  { sense: "why", text: "what is the reason to {v} my {t}" },
  { sense: "cost", text: "how much does it cost to {v} my {t}" },
  { sense: "cost", text: "what is the price to {v} my {t}" },
  // The thing first: reordered paraphrases.
  { sense: "how", text: "for my {t} , what is the best way to {v} it" },
  { sense: "where", text: "for my {t} , where can i {v} it" },
];
