import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { resolveStageConfig, type StageConfig } from '../shared/config/stage.js';
import { KontorStack } from './stack.js';

/*
 * The app as `cdk synth` builds it, shared with the tests so they check exactly what is
 * deployed: stage config from context (validated), the stack, and cdk-nag's AwsSolutions
 * pack as a validation plugin (cdk-nag 3: not an Aspect).
 */
export function buildApp(props: AppProps = {}): { app: App; stack: KontorStack; config: StageConfig } {
  const app = new App(props);
  const config = resolveStageConfig((key) => app.node.tryGetContext(key));
  const stack = new KontorStack(app, `Kontor-${config.stage}`, {
    config,
    description: `Kontor API, stage ${config.stage}`,
    tags: { application: 'kontor', stage: config.stage },
  });
  addNagChecks(app);
  return { app, stack, config };
}

/** cdk-nag's AwsSolutions pack, run at synthesis; a finding without an acknowledgment fails it. */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}
