import { Global, Module } from '@nestjs/common';
import { loadConfig, type Config } from '#config';

/** Injection token for the validated {@link Config}. */
export const CONFIG = Symbol('CONFIG');

@Global()
@Module({
  providers: [{ provide: CONFIG, useFactory: (): Config => loadConfig() }],
  exports: [CONFIG],
})
export class ConfigModule {}
