import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import { importUploads } from '../services/uploads';
import { ImportUploadInput } from '../schema/upload.input';
import { Run } from '../schema/run.type';
import { launcher, type ApiContext } from './context';

@Resolver()
export class UploadMutations {
  @Authorized('OPERATOR')
  @Mutation(() => Run, {
    description: 'Import files staged with POST /uploads as one dataset, in a job (as importDataset); returns its run',
  })
  async importUpload(@Arg('input', () => ImportUploadInput) input: ImportUploadInput, @Ctx() ctx: ApiContext) {
    return importUploads(launcher(ctx), ctx.config.uploads.dir, input);
  }
}
