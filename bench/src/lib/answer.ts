// The helper's side of src/lib/helper.ts: says it is ready, answers each question the bench sends
// over the IPC channel, and exits when the bench goes away (the channel closes), so that no helper
// outlives it.
export type Question = { id: number; type: string } & Record<string, unknown>;

export function answerQuestions(answer: (question: Question) => Promise<object> | object): void {
  if (!process.send) throw new Error('started without an IPC channel: run it through startHelper');
  process.on('message', (question: Question) => {
    void (async () => {
      try {
        const reply = await answer(question);
        process.send!({ ...reply, id: question.id });
      } catch (error) {
        process.send!({ id: question.id, error: (error as Error).stack ?? String(error) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
  process.send({ ready: true });
}
