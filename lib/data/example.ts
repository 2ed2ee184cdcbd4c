// A labelled text example as a task file holds it, before tokenization: one sentence, or a pair
// (premise/hypothesis, question/sentence, question1/question2). `label` is the class id, or the score
// for a regression task (STS-B).
export interface TextExample {
  text: string;
  pair?: string;
  label: number;
}
